using NativeInfer.Interop;

namespace NativeInfer.Cuda;

/// <summary>
/// Host-side conversion of GGUF weights W [N][K] into the layout of the Marlin-style int4 GEMM (docs/cuda.md),
/// and back. Runs on any machine that has libnativeinfer_cuda, GPU or not.
/// </summary>
public static unsafe class MarlinLayout
{
    /// <summary>Bytes of packed weights and packed scales of W [<paramref name="n"/>][<paramref name="k"/>].</summary>
    public static (long WeightBytes, long ScaleBytes) PackedSize(long n, long k, long groupSize)
    {
        nuint w, s;
        NiException.ThrowIfCudaFailed(CudaNativeMethods.MarlinPackedSize(n, k, groupSize, &w, &s));
        return ((long)w, (long)s);
    }

    /// <summary>Bytes of workspace a GEMM with <paramref name="n"/> output columns needs.</summary>
    public static long WorkspaceSize(long n)
    {
        nuint bytes;
        NiException.ThrowIfCudaFailed(CudaNativeMethods.MarlinWorkspaceSize(n, &bytes));
        return (long)bytes;
    }

    /// <summary>Bytes of one GGUF row of <paramref name="k"/> values of a type the repack accepts.</summary>
    public static long RowBytes(NiType type, long k) => type switch
    {
        NiType.Q4_0 => k / 32 * 18,
        NiType.F16 or NiType.BF16 => k * 2,
        _ => throw new NiUnsupportedTypeException(NiStatus.UnsupportedType, $"the Marlin repack takes Q4_0, F16 or BF16, not {type}"),
    };

    /// <summary>
    /// Repacks W [n][k] (contiguous GGUF rows of <paramref name="type"/>) into the kernel layout. Q4_0 (group
    /// 32) is lossless; F16 / BF16 are quantized per group with ggml's Q4_0 rule.
    /// </summary>
    public static void Repack(NiType type, ReadOnlySpan<byte> weights, long n, long k, long groupSize, Span<byte> packedWeights, Span<byte> packedScales)
    {
        (long wb, long sb) = PackedSize(n, k, groupSize);
        long row = RowBytes(type, k);
        Require(weights.Length, n * row, nameof(weights));
        Require(packedWeights.Length, wb, nameof(packedWeights));
        Require(packedScales.Length, sb, nameof(packedScales));
        fixed (byte* w = weights, pw = packedWeights, ps = packedScales)
            NiException.ThrowIfCudaFailed(CudaNativeMethods.MarlinRepack((int)type, w, (nuint)row, n, k, groupSize, pw, ps));
    }

    /// <summary>The inverse: q [n][k] (0..15) and scales [n][k / groupSize] (f16 bits), GGUF orientation.</summary>
    public static void Unpack(ReadOnlySpan<byte> packedWeights, ReadOnlySpan<byte> packedScales, long n, long k, long groupSize,
                              Span<byte> q, Span<ushort> scales)
    {
        (long wb, long sb) = PackedSize(n, k, groupSize);
        Require(packedWeights.Length, wb, nameof(packedWeights));
        Require(packedScales.Length, sb, nameof(packedScales));
        Require(q.Length, n * k, nameof(q));
        Require(scales.Length, n * (k / groupSize), nameof(scales));
        fixed (byte* pw = packedWeights, ps = packedScales, pq = q)
        fixed (ushort* s = scales)
            NiException.ThrowIfCudaFailed(CudaNativeMethods.MarlinUnpack(pw, ps, n, k, groupSize, pq, s));
    }

    private static void Require(int actual, long required, string name)
    {
        if (actual < required) throw new ArgumentException($"{name} holds {actual} elements but the shape needs {required}.", name);
    }
}
