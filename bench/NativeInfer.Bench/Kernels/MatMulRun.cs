using NativeInfer.Bench.Support;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Bench.Kernels;

/// <summary>
/// One ni_matmul case as MatMulBench and FormatBench time it: a pool on the case's ISA, the weights (rotated
/// through <see cref="RotationBytes"/> of copies for decode, so every call reads from DRAM), random
/// activations, one warm-up pass, and the facts (bytes, FLOPs, the run's read bandwidth) the report divides by.
/// </summary>
public sealed unsafe class MatMulRun : IDisposable
{
    public const long RotationBytes = 128L << 20;  // 4× the 32 MB L3 of the machine in docs/benchmarks.md

    private readonly MatMulCase _case;
    private readonly KernelPool _pool;
    private readonly BenchWeights _weights;
    private readonly NativeBuffer _x, _y;

    public MatMulRun(MatMulCase c, string benchmark, string method)
    {
        _case = c;
        _pool = KernelPool.Create(0, c.Isa);
        bool decode = c.Tokens == 1;
        _weights = new BenchWeights(_pool, c.Type, c.Shape.M, c.Shape.K, decode ? RotationBytes : 0);
        _x = new NativeBuffer(c.Tokens * c.Shape.K * 4);
        _y = new NativeBuffer(c.Tokens * c.Shape.M * 4);
        var random = new Random(3);
        Span<float> x = _x.AsSpan<float>();
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _weights.Copies; i++) Call();  // page in, grow scratch
        double bandwidth = decode ? Bandwidth.Measure(_pool) : 0;
        CaseFacts.Register(CaseFacts.Key(benchmark, method, c),
            new CaseFacts(_weights.MatrixBytes, 2.0 * c.Tokens * c.Shape.M * c.Shape.K, bandwidth, decode));
    }

    /// <summary>One matmul on the next copy of the weights.</summary>
    public void Call() =>
        _pool.MatMul(_case.Type, _weights.Next(), (nuint)_weights.RowBytes, (float*)_x.Pointer, (nuint)(_case.Shape.K * 4),
            (float*)_y.Pointer, (nuint)(_case.Shape.M * 4), _case.Tokens, _case.Shape.M, _case.Shape.K);

    public void Dispose()
    {
        _weights.Dispose();
        _x.Dispose();
        _y.Dispose();
        _pool.Dispose();
    }
}
