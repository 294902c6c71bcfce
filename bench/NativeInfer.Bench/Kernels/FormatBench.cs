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

    private MatMulRun _run = null!;

    [GlobalSetup]
    public void Setup() => _run = new MatMulRun(Case, nameof(FormatBench), nameof(MatMul));

    [Benchmark]
    public void MatMul() => _run.Call();

    [GlobalCleanup]
    public void Cleanup() => _run.Dispose();
}
