using BenchmarkDotNet.Attributes;
using NativeInfer.Bench.Support;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Bench.Kernels;

/// <summary>One matmul case: weight type, DeepSeek-V2-Lite shape, tokens, instruction set.</summary>
public sealed record MatMulCase(NiType Type, Shape Shape, int Tokens, NiIsa Isa) : IBenchCase
{
    public override string ToString() => $"{QuantTypes.Name(Type)} {Shape} N={Tokens} {CpuInfo.IsaName(Isa)}";

    public string? Related(string relation) => relation switch
    {
        "isa" when Isa != NiIsa.Avx2 => (this with { Isa = NiIsa.Avx2 }).ToString(),
        "n1" when Tokens != 1 => (this with { Tokens = 1 }).ToString(),
        _ => null,
    };
}

/// <summary>
/// ni_matmul per weight type and instruction set at DeepSeek-V2-Lite shapes: decode (N = 1, weights
/// streamed from DRAM, reported against the read bandwidth) and prefill (N = 64 and 512, GFLOP/s and
/// throughput per weight byte against N = 1). AVX2 and the best AVX-512 path run side by side.
/// </summary>
[Config(typeof(KernelBenchConfig))]
public unsafe class MatMulBench
{

    public static IEnumerable<MatMulCase> Cases()
    {
        var isas = new List<NiIsa> { NiIsa.Avx2 };
        NiIsa best = CpuInfo.Query().BestIsa;
        if (best > NiIsa.Avx2) isas.Add(best);
        foreach (NiIsa isa in isas)
        {
            foreach (NiType type in new[] { NiType.Q4_0, NiType.Q8_0, NiType.Q4_K, NiType.Q6_K, NiType.F16, NiType.BF16 })
            foreach (Shape shape in Shape.All)
                if (shape.K % QuantTypes.BlockSize(type) == 0) yield return new MatMulCase(type, shape, 1, isa);
            foreach (NiType type in new[] { NiType.Q4_0, NiType.Q8_0, NiType.Q4_K, NiType.Q6_K })
            foreach (Shape shape in new[] { Shape.QProj, Shape.OProj, Shape.ExpertUp })
            foreach (int tokens in new[] { 64, 512 })
                yield return new MatMulCase(type, shape, tokens, isa);
            // The i-quants (read-only, random valid blocks): a matrix past the LLC, a layer matrix, an
            // expert, and prefill.
            foreach (NiType type in IQuants)
            {
                foreach (Shape shape in new[] { Shape.LmHead, Shape.OProj, Shape.ExpertUp })
                    yield return new MatMulCase(type, shape, 1, isa);
                yield return new MatMulCase(type, Shape.OProj, 512, isa);
            }
        }
    }

    public static IReadOnlyList<NiType> IQuants { get; } =
        [NiType.IQ2_XXS, NiType.IQ2_XS, NiType.IQ2_S, NiType.IQ3_XXS, NiType.IQ3_S, NiType.IQ1_S, NiType.IQ1_M];

    [ParamsSource(nameof(Cases))]
    public MatMulCase Case { get; set; } = null!;

    private MatMulRun _run = null!;

    [GlobalSetup]
    public void Setup() => _run = new MatMulRun(Case, nameof(MatMulBench), nameof(MatMul));

    [Benchmark]
    public void MatMul() => _run.Call();

    [GlobalCleanup]
    public void Cleanup() => _run.Dispose();
}
