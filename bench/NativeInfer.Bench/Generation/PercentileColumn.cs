using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using NativeInfer.Bench.Support;

namespace NativeInfer.Bench.Generation;

/// <summary>A percentile of the per-token step times a case recorded in <see cref="StepLatencies"/>, in milliseconds.</summary>
public sealed class PercentileColumn(string name, double quantile) : IColumn
{
    public string Id => "percentile." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 2;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{quantile:P0} of the per-token step times measured inside the operation (the decode steps of the last operations, as many as the measured iterations), ms";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => StepLatencies.Count(CaseLookup.KeyOf(c)) > 0);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double p = StepLatencies.Percentile(CaseLookup.KeyOf(benchmarkCase), quantile);
        return double.IsNaN(p) ? "-" : (p * 1e3).ToString("0.00");
    }

    public override string ToString() => ColumnName;
}
