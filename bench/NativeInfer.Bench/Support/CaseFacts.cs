using System.Collections.Concurrent;

namespace NativeInfer.Bench.Support;

/// <summary>What one benchmark case did per operation, registered by its GlobalSetup.</summary>
public sealed record CaseFacts(double WeightBytes, double Flops, double ReadBandwidth, bool IsDecode)
{
    /// <summary>Tokens one operation processes (runtime benchmarks; 0 = not a token count).</summary>
    public int Tokens { get; init; }

    /// <summary>Mean seconds per operation; filled in by the columns from the summary.</summary>
    public double Seconds { get; init; }

    private static readonly ConcurrentDictionary<string, CaseFacts> Registry = new();

    /// <summary>Called from a GlobalSetup; <paramref name="key"/> must be <see cref="Key"/> of the running case.</summary>
    public static void Register(string key, CaseFacts facts) => Registry[key] = facts;

    public static CaseFacts? Find(string key) => Registry.TryGetValue(key, out CaseFacts? f) ? f : null;

    /// <summary>A stable key for a case: benchmark type, method and parameter values.</summary>
    public static string Key(string type, string method, params object[] parameters) =>
        type + "." + method + "(" + string.Join(",", parameters) + ")";
}
