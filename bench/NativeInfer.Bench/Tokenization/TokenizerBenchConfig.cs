using System.Collections.Concurrent;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace NativeInfer.Bench.Tokenization;

/// <summary>
/// A short in-process job (an encode of 4 MB takes a fraction of a second, so a few iterations give a
/// stable mean) plus an MB/s column from the input size each case's GlobalSetup registered.
/// </summary>
public sealed class TokenizerBenchConfig : ManualConfig
{
    /// <summary>UTF-8 bytes of the text each vocabulary case encodes.</summary>
    public static readonly ConcurrentDictionary<string, long> TextBytes = new();

    public TokenizerBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(2)
            .WithIterationCount(6)
            .WithLaunchCount(1)
            .WithId("tokenizer"));
        AddColumn(new ThroughputColumn());
        AddDiagnoser(MemoryDiagnoser.Default);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "tokenizer.MBps";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "UTF-8 input megabytes (10^6 bytes) encoded per second";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            string vocab = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Vocab")?.Value?.ToString() ?? "";
            double? nanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (!TextBytes.TryGetValue(vocab, out long bytes) || nanoseconds is not > 0) return "-";
            return (bytes / 1e6 / (nanoseconds.Value / 1e9)).ToString("0.0");
        }
    }
}
