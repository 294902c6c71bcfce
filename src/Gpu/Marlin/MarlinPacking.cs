using NativeInfer.Gpu.Kernels;
using NativeInfer.Interop;

namespace NativeInfer.Gpu.Marlin;

/// <summary>
/// The Marlin int4 layout (docs/cuda.md, native/cuda/marlin/marlin_layout.h) in C#, for the emulated device:
/// it packs weights exactly as libnativeinfer_cuda's ni_cuda_marlin_repack does — a test holds the two byte for
/// byte where the library is built — so the emulated GEMM reads the same bytes the real kernel would, on
/// machines where the CUDA library does not exist. Q4_0 (group 32) moves nibbles and scales losslessly;
/// F16 / BF16 are quantized per group with ggml's Q4_0 rule (the value of largest magnitude maps to −8).
/// </summary>
public static class MarlinPacking
{
    /// <summary>The shape rules of the layout and the kernel; <see cref="ArgumentException"/> naming the broken one.</summary>
    public static void CheckShape(long n, long k, long groupSize)
    {
        if (n <= 0 || k <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"N = {n} and K = {k} must be > 0");
        if (TilingProblem(n, k) is { } problem) throw new ArgumentException(problem, k % 128 != 0 ? nameof(k) : nameof(n));
        if (groupSize is not (32 or 64 or 128) && groupSize != k)
            throw new ArgumentException($"group_size must be 32, 64, 128 or K = {k} (got {groupSize})", nameof(groupSize));
    }

    /// <summary>Why W [n][k] (n, k &gt; 0) does not meet the kernel's tiles, or null when it does: K % 128 = 0 and N % 64 = 0.</summary>
    public static string? TilingProblem(long n, long k) =>
        k % 128 != 0 ? $"K = {k} must be a multiple of 128" : n % 64 != 0 ? $"N = {n} must be a multiple of 64" : null;

    /// <summary>Bytes of packed weights (K·N/2) and scales ((K/group)·N f16).</summary>
    public static (long WeightBytes, long ScaleBytes) PackedSize(long n, long k, long groupSize)
    {
        CheckShape(n, k, groupSize);
        return (k * n / 2, k / groupSize * n * 2);
    }

    /// <summary>Byte of the packed weights holding B[k][n] = W[n][k], and the shift of its nibble (0 or 4).</summary>
    public static (long Byte, int Shift) WeightPosition(long k, long n, long bigN)
    {
        long kb = k / 16, nb = n / 64;
        int r = (int)(k % 16), c = (int)(n % 64);
        int sub = c / 8, t = r % 8 / 2;
        int lane = 4 * (c % 8) + t;
        int nibble = 2 * (sub % 2) + (r >= 8 ? 1 : 0) + 4 * (r % 2);
        long word = (kb * (bigN / 64) + nb) * 128 + lane * 4 + sub / 2;
        return (word * 4 + nibble / 2, nibble % 2 * 4);
    }

    /// <summary>Index (in f16 values) of the scale of group row g, column n.</summary>
    public static long ScalePosition(long g, long n, long bigN)
    {
        long c = n % 64;
        return g * bigN + (n - c) + c % 8 * 8 + c / 8;
    }

    /// <summary>Packs W [n][k] (contiguous GGUF rows of Q4_0, F16 or BF16).</summary>
    public static (byte[] Weights, byte[] Scales) Pack(NiType type, ReadOnlySpan<byte> rows, long n, long k, long groupSize)
    {
        (long wb, long sb) = PackedSize(n, k, groupSize);
        long rowBytes = type switch
        {
            NiType.Q4_0 => k / 32 * 18,
            NiType.F16 or NiType.BF16 => k * 2,
            _ => throw new NiUnsupportedTypeException(NiStatus.UnsupportedType, $"the Marlin layout takes Q4_0, F16 or BF16 weights, not {type}"),
        };
        if (type == NiType.Q4_0 && groupSize != 32)
            throw new ArgumentException($"Q4_0 weights have one scale per 32 values: group_size must be 32 (got {groupSize})", nameof(groupSize));
        if (rows.Length < n * rowBytes) throw new ArgumentException($"the weight holds {rows.Length} bytes but [{n}] rows of {rowBytes} need {n * rowBytes}", nameof(rows));
        if (wb > int.MaxValue || sb > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(n), $"{n} × {k} is too large to pack in one array");
        var weights = new byte[wb];
        var scales = new byte[sb];
        var values = new float[groupSize];
        var q = new byte[groupSize];
        for (long row = 0; row < n; row++)
        {
            ReadOnlySpan<byte> w = rows.Slice((int)(row * rowBytes), (int)rowBytes);
            for (long g = 0; g < k / groupSize; g++)
            {
                ushort scale;
                if (type == NiType.Q4_0)
                {
                    ReadOnlySpan<byte> block = w.Slice((int)(g * 18), 18);
                    scale = (ushort)(block[0] | block[1] << 8);
                    for (int j = 0; j < 32; j++) q[j] = (byte)(j < 16 ? block[2 + j] & 0xF : block[2 + j - 16] >> 4);
                }
                else
                {
                    for (int j = 0; j < groupSize; j++)
                    {
                        ushort bits = (ushort)(w[(int)(2 * (g * groupSize + j))] | w[(int)(2 * (g * groupSize + j)) + 1] << 8);
                        values[j] = type == NiType.F16 ? HalfBits.ToFloat(bits) : HalfBits.BFloat16ToFloat(bits);
                        if (!float.IsFinite(values[j]))
                            throw new ArgumentException($"weight [{row}][{g * groupSize + j}] is {values[j]}: only finite weights can be quantized", nameof(rows));
                    }
                    scale = QuantizeGroup(values, q, row, g);
                }
                for (int j = 0; j < groupSize; j++)
                {
                    (long b, int shift) = WeightPosition(g * groupSize + j, row, n);
                    weights[b] |= (byte)(q[j] << shift);
                }
                long s = ScalePosition(g, row, n);
                scales[2 * s] = (byte)scale;
                scales[2 * s + 1] = (byte)(scale >> 8);
            }
        }
        return (weights, scales);
    }

    // ggml's Q4_0 rule on one group (quantize_row_q4_0_ref): d = max / −8 with max the value of largest magnitude,
    // q = min(15, trunc(x / d + 8.5)); returns fp16(d).
    private static ushort QuantizeGroup(float[] x, byte[] q, long row, long group)
    {
        float amax = 0, max = 0;
        foreach (float v in x)
            if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
        float d = max / -8.0f;
        float id = d != 0 ? 1.0f / d : 0;
        ushort bits = HalfBits.FromFloat(d);
        if ((bits & 0x7C00) == 0x7C00)
            throw new ArgumentException($"row {row}, group {group}: the scale {d} does not fit in f16", "rows");
        for (int j = 0; j < x.Length; j++) q[j] = (byte)Math.Min(15, (int)(x[j] * id + 8.5f));
        return bits;
    }
}
