using System.Collections.Concurrent;

namespace NativeInfer.Bench.Generation;

/// <summary>Per-token step times measured inside benchmark operations, by case, for the percentile columns.</summary>
public static class StepLatencies
{
    private static readonly ConcurrentDictionary<string, List<double>> Steps = new();

    /// <summary>
    /// Adds step times in seconds for <paramref name="key"/> (a CaseFacts key), keeping the newest <paramref name="keep"/>:
    /// BenchmarkDotNet runs the operation for jitting and warm-up first, and its actual iterations last.
    /// </summary>
    public static void Add(string key, ReadOnlySpan<double> seconds, int keep)
    {
        List<double> list = Steps.GetOrAdd(key, _ => []);
        lock (list)
        {
            foreach (double s in seconds) list.Add(s);
            if (list.Count > keep) list.RemoveRange(0, list.Count - keep);
        }
    }

    /// <summary>Clears what warm-up runs recorded.</summary>
    public static void Clear(string key)
    {
        if (Steps.TryGetValue(key, out List<double>? list)) lock (list) list.Clear();
    }

    public static int Count(string key) => Steps.TryGetValue(key, out List<double>? list) ? list.Count : 0;

    /// <summary>The q-quantile (0..1) of the recorded step times, nearest rank; NaN when none.</summary>
    public static double Percentile(string key, double q)
    {
        if (!Steps.TryGetValue(key, out List<double>? list)) return double.NaN;
        double[] sorted;
        lock (list) sorted = [.. list];
        if (sorted.Length == 0) return double.NaN;
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
