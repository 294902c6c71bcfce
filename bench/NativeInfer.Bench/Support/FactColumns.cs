using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NativeInfer.Bench.Support;

/// <summary>Shared plumbing: the CaseFacts of a case joined with its measured mean.</summary>
internal static class CaseLookup
{
    public static string KeyOf(BenchmarkCase c) =>
        CaseFacts.Key(c.Descriptor.Type.Name, c.Descriptor.WorkloadMethod.Name,
            c.Parameters.Items.Select(p => p.Value ?? "").ToArray());

    public static CaseFacts? Facts(Summary summary, BenchmarkCase c)
    {
        CaseFacts? f = CaseFacts.Find(KeyOf(c));
        BenchmarkReport? report = summary[c];
        if (f is null || report?.ResultStatistics is null) return null;
        return f with { Seconds = report.ResultStatistics.Mean / 1e9 };
    }
}

/// <summary>A column computed from one case's facts (bytes, FLOPs, bandwidth) and its mean time.</summary>
public sealed class FactColumn(string name, Func<CaseFacts, double> value, string format, bool decodeOnly = false) : IColumn
{
    public string Id => "fact." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => name switch
    {
        "of bandwidth" => $"decode only: weight bytes per second ÷ the median of the {Bandwidth.ProbeCount} read-bandwidth probes " +
                          $"of this run ({Bandwidth.RunMedian / 1e9:0.0} GB/s)",
        "read GB/s" => "read bandwidth measured by ni_memory_read on this case's pool when it was set up (median of 9 passes)",
        _ => name,
    };

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => CaseLookup.Facts(summary, c) is not null);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        CaseFacts? f = CaseLookup.Facts(summary, benchmarkCase);
        if (f is null || (decodeOnly && !f.IsDecode)) return "-";
        double v = value(f);
        return double.IsFinite(v) && v > 0 ? v.ToString(format) : "-";
    }

    public override string ToString() => ColumnName;
}

/// <summary>A benchmark parameter that can name the cases it is compared with.</summary>
public interface IBenchCase
{
    /// <summary>The display text of the related case for <paramref name="relation"/>, or null.</summary>
    string? Related(string relation);
}

/// <summary>
/// Ratio of a case to a related case of the same run: the same case on AVX2 ("isa"), the same
/// shape at N = 1 ("n1": throughput per weight byte), or a MoE case against the same expert products
/// done as separate matmuls ("moe", another method with the same parameter).
/// </summary>
public sealed class RatioToCaseColumn(string name, string relation, Func<CaseFacts, CaseFacts, double> ratio, string? otherMethod = null,
                                      string? legend = null) : IColumn
{
    public string Id => "ratio." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend ?? name;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Other(summary, c) is not null);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkCase? other = Other(summary, benchmarkCase);
        if (other is null) return "-";
        CaseFacts? mine = CaseLookup.Facts(summary, benchmarkCase), theirs = CaseLookup.Facts(summary, other);
        if (mine is null || theirs is null) return "-";
        double r = ratio(mine, theirs);
        return double.IsFinite(r) ? r.ToString("0.00") + "×" : "-";
    }

    private BenchmarkCase? Other(Summary summary, BenchmarkCase c)
    {
        if (otherMethod is not null && c.Descriptor.WorkloadMethod.Name == otherMethod) return null;
        if (c.Parameters.Items.FirstOrDefault(p => p.Value is IBenchCase)?.Value is not IBenchCase bench) return null;
        string? key = bench.Related(relation);
        string method = otherMethod ?? c.Descriptor.WorkloadMethod.Name;
        if (key is null) return null;
        return summary.BenchmarksCases.FirstOrDefault(o => o != c && o.Descriptor.Type == c.Descriptor.Type &&
            o.Descriptor.WorkloadMethod.Name == method && o.Parameters.Items.Any(p => p.Value is IBenchCase && p.Value.ToString() == key));
    }

    public override string ToString() => ColumnName;
}
