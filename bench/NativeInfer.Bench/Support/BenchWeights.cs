using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Bench.Support;

/// <summary>
/// Quantized weight matrices for benchmarks, in native memory. Decode benchmarks rotate over enough
/// copies to exceed <c>minTotalBytes</c> (well above the last-level cache), so every call streams its
/// weights from DRAM as a real decode step does. Values come from a template of random rows repeated
/// down the matrix (content does not change the speed; quantizing 200 M values would).
/// </summary>
public sealed unsafe class BenchWeights : IDisposable
{
    private readonly NativeBuffer _buffer;
    private int _next;

    public BenchWeights(KernelPool pool, NiType type, long rows, long cols, long minTotalBytes, int seed = 1)
    {
        RowBytes = QuantTypes.RowSize(type, cols);
        MatrixBytes = RowBytes * rows;
        Copies = (int)Math.Max(1, (minTotalBytes + MatrixBytes - 1) / MatrixBytes);
        _buffer = new NativeBuffer(MatrixBytes * Copies);
        long templateRows = Math.Min(rows, 256);
        var template = new byte[templateRows * RowBytes];
        RandomWeights.Fill(pool, type, template, templateRows, cols, new Random(seed), 0.03f);  // random valid blocks for read-only types
        byte* dst = (byte*)_buffer.Pointer;
        for (long offset = 0; offset < MatrixBytes * Copies; offset += template.Length)
            template.AsSpan(0, (int)Math.Min(template.Length, MatrixBytes * Copies - offset)).CopyTo(new Span<byte>(dst + offset, (int)Math.Min(template.Length, MatrixBytes * Copies - offset)));
    }

    public long RowBytes { get; }
    public long MatrixBytes { get; }
    public int Copies { get; }

    /// <summary>The next copy in rotation.</summary>
    public byte* Next()
    {
        int copy = _next;
        _next = _next + 1 == Copies ? 0 : _next + 1;
        return (byte*)_buffer.Pointer + copy * MatrixBytes;
    }

    public byte* Copy(int copy) => (byte*)_buffer.Pointer + copy * MatrixBytes;

    public void Dispose() => _buffer.Dispose();
}
