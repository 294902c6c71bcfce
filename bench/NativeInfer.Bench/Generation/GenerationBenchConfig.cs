using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NativeInfer.Bench.Support;

namespace NativeInfer.Bench.Generation;

/// <summary>
/// In-process (the percentile columns read step times the operations record), one operation per iteration
/// (a 256-token generation takes seconds), allocations per operation from the MemoryDiagnoser.
/// </summary>
public sealed class GenerationBenchConfig : ManualConfig
{
    public GenerationBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(1)
            .WithIterationCount(GenerationBench.MeasuredIterations)
            .WithLaunchCount(1)
            .WithId("generation"));
        AddColumn(new PercentileColumn("p50 ms/token", 0.50));
        AddColumn(new PercentileColumn("p99 ms/token", 0.99));
        AddColumn(new FactColumn("tokens/s", f => f.Tokens / f.Seconds, "0.0"));
        AddColumn(new FactColumn("read GB/s", f => f.ReadBandwidth / 1e9, "0.0"));
        AddColumn(new FactColumn("of bandwidth", f => f.WeightBytes / f.Seconds / Bandwidth.RunMedian, "P0", decodeOnly: true));
        AddDiagnoser(MemoryDiagnoser.Default);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
