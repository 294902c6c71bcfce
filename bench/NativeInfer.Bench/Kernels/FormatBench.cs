using BenchmarkDotNet.Attributes;
using NativeInfer.Bench.Support;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Bench.Kernels;

/// <summary>
/// ni_matmul for every block-quantized weight type of the native table (Q4_0 first, the baseline the
/// other formats are compared with), on AVX2 and the best AVX-512 path: decode (N = 1) on lm_head, one
/// matrix far larger than the last-level cache, and on expert_up rotated through DRAM as MatMulBench
/// does, reported against the read bandwidth of the run; prefill (N = 512) on expert_up in GFLOP/s.
/// </summary>
[Config(typeof(KernelBenchConfig))]
public unsafe class FormatBench
{
    private const long RotationBytes = 128L << 20;  // 4× the 32 MB L3 of the machine in docs/benchmarks.md

    /// <summary>Every weight type with blocks (the float types are plain streams, in MatMulBench).</summary>
    public static IEnumerable<NiType> Types() => QuantTypes.WeightTypes.Where(t => QuantTypes.BlockSize(t) > 1).OrderBy(t => t != NiType.Q4_0);

    public static IEnumerable<MatMulCase> Cases()
    {
        var isas = new List<NiIsa> { NiIsa.Avx2 };
        NiIsa best = CpuInfo.Query().BestIsa;
        if (best > NiIsa.Avx2) isas.Add(best);
        foreach (NiIsa isa in isas)
        foreach (NiType type in Types())
        {
            yield return new MatMulCase(type, Shape.LmHead, 1, isa);
            yield return new MatMulCase(type, Shape.ExpertUp, 1, isa);
            yield return new MatMulCase(type, Shape.ExpertUp, 512, isa);
        }
    }

    [ParamsSource(nameof(Cases))]
    public MatMulCase Case { get; set; } = null!;

    private KernelPool _pool = null!;
    private BenchWeights _weights = null!;
    private NativeBuffer _x = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pool = KernelPool.Create(0, Case.Isa);
        bool decode = Case.Tokens == 1;
        _weights = new BenchWeights(_pool, Case.Type, Case.Shape.M, Case.Shape.K, decode ? RotationBytes : 0);
        _x = new NativeBuffer(Case.Tokens * Case.Shape.K * 4);
        _y = new NativeBuffer(Case.Tokens * Case.Shape.M * 4);
        var random = new Random(3);
        Span<float> x = _x.AsSpan<float>();
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _weights.Copies; i++) MatMul();  // page in, grow scratch
        double bandwidth = decode ? Bandwidth.Measure(_pool) : 0;
        CaseFacts.Register(CaseFacts.Key(nameof(FormatBench), nameof(MatMul), Case),
            new CaseFacts(_weights.MatrixBytes, 2.0 * Case.Tokens * Case.Shape.M * Case.Shape.K, bandwidth, decode));
    }

    [Benchmark]
    public void MatMul() =>
        _pool.MatMul(Case.Type, _weights.Next(), (nuint)_weights.RowBytes, (float*)_x.Pointer, (nuint)(Case.Shape.K * 4),
            (float*)_y.Pointer, (nuint)(Case.Shape.M * 4), Case.Tokens, Case.Shape.M, Case.Shape.K);

    [GlobalCleanup]
    public void Cleanup()
    {
        _weights.Dispose();
        _x.Dispose();
        _y.Dispose();
        _pool.Dispose();
    }
}
