using NativeInfer.Interop;

namespace NativeInfer.Kernels;

/// <summary>
/// A native thread pool and the kernels that run on it. Create one per concurrent caller (calls on
/// one pool are serialized natively). The span overloads check every length before the native call;
/// the pointer overloads are for the runtime's hot path over memory-mapped weights and allocate nothing.
/// </summary>
public sealed unsafe class KernelPool : IDisposable
{
    private readonly SafePoolHandle _handle;

    private KernelPool(SafePoolHandle handle, int threads, NiIsa isa)
    {
        _handle = handle;
        ThreadCount = threads;
        Isa = isa;
    }

    /// <summary>Starts a pool. <paramref name="threads"/> counts the calling thread; 0 = all logical CPUs.</summary>
    public static KernelPool Create(int threads = 0, NiIsa isa = NiIsa.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        NiException.ThrowIfFailed(NativeMethods.PoolCreate(threads, (int)isa, out SafePoolHandle handle));
        int n, resolved;
        NiException.ThrowIfFailed(NativeMethods.PoolGetInfo(handle, &n, &resolved));
        return new KernelPool(handle, n, (NiIsa)resolved);
    }

    public int ThreadCount { get; }

    /// <summary>The instruction set this pool's kernels use (never Auto).</summary>
    public NiIsa Isa { get; }

    internal SafePoolHandle Handle => _handle;

    /// <summary>Scratch memory the native pool holds (grows to the largest call, then is reused).</summary>
    public long ScratchBytes
    {
        get
        {
            nuint bytes;
            NiException.ThrowIfFailed(NativeMethods.PoolScratchBytes(_handle, &bytes));
            return (long)bytes;
        }
    }

    public void Dispose() => _handle.Dispose();

    // ------------------------------------------------------------------ quantization

    /// <summary>src [rows][cols] f32 → dst [rows][RowSize(type, cols)].</summary>
    public void Quantize(NiType type, ReadOnlySpan<float> src, Span<byte> dst, long rows, long cols)
    {
        long rowBytes = QuantTypes.RowSize(type, cols);
        RequireLength(src.Length, rows * cols, nameof(src));
        RequireLength(dst.Length, rows * rowBytes, nameof(dst));
        fixed (float* s = src)
        fixed (byte* d = dst)
            NiException.ThrowIfFailed(NativeMethods.QuantizeRows(_handle, (int)type, d, (nuint)rowBytes, s, (nuint)(cols * 4), rows, cols));
    }

    /// <summary>src [rows][RowSize(type, cols)] → dst [rows][cols] f32.</summary>
    public void Dequantize(NiType type, ReadOnlySpan<byte> src, Span<float> dst, long rows, long cols)
    {
        long rowBytes = QuantTypes.RowSize(type, cols);
        RequireLength(src.Length, rows * rowBytes, nameof(src));
        RequireLength(dst.Length, rows * cols, nameof(dst));
        fixed (byte* s = src)
        fixed (float* d = dst)
            NiException.ThrowIfFailed(NativeMethods.DequantizeRows(_handle, (int)type, d, (nuint)(cols * 4), s, (nuint)rowBytes, rows, cols));
    }

    /// <summary>The pointer form of <see cref="Dequantize"/>: src rows of <paramref name="type"/> → dst f32 rows (strides in bytes).</summary>
    public void DequantizeRows(NiType type, void* src, nuint srcRowStride, float* dst, nuint dstRowStride, long rows, long cols) =>
        NiException.ThrowIfFailed(NativeMethods.DequantizeRows(_handle, (int)type, dst, dstRowStride, src, srcRowStride, rows, cols));

    // ------------------------------------------------------------------ matmul

    /// <summary>Y[n][m] = X[n][k] · W[m][k]ᵀ with contiguous rows.</summary>
    public void MatMul(NiType wType, ReadOnlySpan<byte> w, ReadOnlySpan<float> x, Span<float> y, long n, long m, long k)
    {
        long wRow = QuantTypes.RowSize(wType, k);
        RequireLength(w.Length, m * wRow, nameof(w));
        RequireLength(x.Length, n * k, nameof(x));
        RequireLength(y.Length, n * m, nameof(y));
        fixed (byte* pw = w)
        fixed (float* px = x)
        fixed (float* py = y)
            MatMul(wType, pw, (nuint)wRow, px, (nuint)(k * 4), py, (nuint)(m * 4), n, m, k);
    }

    /// <summary>Y[n][m] = X[n][k] · W[m][k]ᵀ over raw strided memory (strides in bytes).</summary>
    public void MatMul(NiType wType, void* w, nuint wRowStride, float* x, nuint xRowStride, float* y, nuint yRowStride, long n, long m, long k) =>
        NiException.ThrowIfFailed(NativeMethods.MatMul(_handle, (int)wType, w, wRowStride, x, xRowStride, y, yRowStride, n, m, k));

    /// <summary>
    /// <paramref name="batch"/> products of one shape over strided operands (strides in bytes; a batch
    /// stride of 0 reuses the operand). WTransposed: Y[n][m] = X[n][k]·W[m][k]ᵀ; WRows: Y[n][k] = X[n][m]·W[m][k].
    /// </summary>
    public void MatMulBatched(NiMatMulMode mode, NiType wType, void* w, nuint wRowStride, nuint wBatchStride,
                              float* x, nuint xRowStride, nuint xBatchStride, float* y, nuint yRowStride, nuint yBatchStride,
                              long batch, long n, long m, long k) =>
        NiException.ThrowIfFailed(NativeMethods.MatMulStridedBatched(_handle, (int)mode, (int)wType, w, wRowStride, wBatchStride,
            x, xRowStride, xBatchStride, y, yRowStride, yBatchStride, batch, n, m, k));

    // ------------------------------------------------------------------ MoE experts

    /// <summary>
    /// out[t] (+)= Σ_j weights[t][j] · down_e(silu(gate_e·x[t]) ⊙ up_e·x[t]), e = ids[t][j], over stacked
    /// GGUF expert tensors. Spans are [tokens][hidden] and [tokens][topK].
    /// </summary>
    public void MoeExperts(in NiMoeWeights weights, ReadOnlySpan<float> x, ReadOnlySpan<int> expertIds, ReadOnlySpan<float> expertWeights,
                           Span<float> output, long tokens, long topK, bool accumulate = false)
    {
        RequireLength(x.Length, tokens * weights.Hidden, nameof(x));
        RequireLength(output.Length, tokens * weights.Hidden, nameof(output));
        RequireLength(expertIds.Length, tokens * topK, nameof(expertIds));
        RequireLength(expertWeights.Length, tokens * topK, nameof(expertWeights));
        nuint row = (nuint)(weights.Hidden * 4);
        fixed (NiMoeWeights* pw = &weights)
        fixed (float* px = x)
        fixed (int* pid = expertIds)
        fixed (float* pwt = expertWeights)
        fixed (float* po = output)
            NiException.ThrowIfFailed(NativeMethods.MoeExperts(_handle, pw, px, row, pid, pwt, tokens, topK, po, row,
                (uint)(accumulate ? NiMoeFlags.Accumulate : NiMoeFlags.None)));
    }

    /// <summary>The pointer form of <see cref="MoeExperts(in NiMoeWeights, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, long, long, bool)"/>.</summary>
    public void MoeExperts(NiMoeWeights* weights, float* x, nuint xRowStride, int* expertIds, float* expertWeights,
                           long tokens, long topK, float* output, nuint outputRowStride, NiMoeFlags flags) =>
        NiException.ThrowIfFailed(NativeMethods.MoeExperts(_handle, weights, x, xRowStride, expertIds, expertWeights, tokens, topK,
            output, outputRowStride, (uint)flags));

    // ------------------------------------------------------------------ memory probe

    /// <summary>
    /// Reads every byte of <paramref name="data"/> on all pool threads (the bandwidth probe benchmarks
    /// compare kernels with). Length must be a positive multiple of 64 and the memory 64-byte aligned.
    /// </summary>
    public ulong ReadMemory(void* data, nuint bytes)
    {
        ulong checksum;
        NiException.ThrowIfFailed(NativeMethods.MemoryRead(_handle, data, bytes, &checksum));
        return checksum;
    }

    private static void RequireLength(int actual, long required, string name)
    {
        if (required < 0 || actual < required)
            throw new ArgumentException($"{name} holds {actual} elements but the shape needs {required}.", name);
    }
}
