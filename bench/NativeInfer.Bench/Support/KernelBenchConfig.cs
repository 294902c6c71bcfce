using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace NativeInfer.Bench.Support;

/// <summary>
/// The configuration of the kernel benchmarks. They run in-process so the ratio columns can read
/// what each case measured (the read bandwidth of its pool, its bytes and FLOPs) from
/// <see cref="CaseFacts"/>: every ratio in the table comes from the same run. Kernel calls take
/// tens of microseconds to hundreds of milliseconds, so a short job is enough for stable means.
/// </summary>
public sealed class KernelBenchConfig : ManualConfig
{
    public KernelBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(2)
            .WithIterationCount(8)
            .WithLaunchCount(1)
            .WithId("kernels"));
        AddColumn(new FactColumn("weight GB/s", f => f.WeightBytes / f.Seconds / 1e9, "0.0"));
        AddColumn(new FactColumn("GFLOP/s", f => f.Flops / f.Seconds / 1e9, "0.0"));
        AddColumn(new FactColumn("tokens/s", f => f.Tokens / f.Seconds, "0.0"));
        AddColumn(new FactColumn("read GB/s", f => f.ReadBandwidth / 1e9, "0.0"));
        AddColumn(new FactColumn("of bandwidth", f => f.WeightBytes / f.Seconds / Bandwidth.RunMedian, "P0", decodeOnly: true));
        AddColumn(new RatioToCaseColumn("vs AVX2", "isa", (mine, avx2) => avx2.Seconds / mine.Seconds,
            legend: "speed-up over the same case on AVX2 (time ratio)"));
        AddColumn(new RatioToCaseColumn("per byte vs N=1", "n1", (mine, one) => mine.Flops / mine.Seconds / (one.Flops / one.Seconds),
            legend: "weight bytes × tokens processed per second, relative to N = 1 (target for Q4_0/Q8_0: ≥ 10×)"));
        AddColumn(new RatioToCaseColumn("matmuls ÷ moe", "moe", (moe, mm) => mm.Seconds / moe.Seconds, otherMethod: "SeparateMatMuls",
            legend: "time of the same expert products as separate ni_matmul calls ÷ time of ni_moe_experts (≥ 0.91 meets 'within 10 %')"));
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value).WithMaxParameterColumnWidth(64));  // whole case names in the tables
        AddDiagnoser(MemoryDiagnoser.Default);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
