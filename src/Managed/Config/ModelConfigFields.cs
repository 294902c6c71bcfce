using System.Globalization;
using System.Reflection;

namespace NativeInfer.Config;

/// <summary>
/// A <see cref="ModelConfig"/> as a flat list of named values ("Attention.KvLoraRank" = 512), for
/// printing and for comparing two configs field by field. Built by reflection over the config records,
/// so a field added to them shows up here without another edit.
/// </summary>
public static class ModelConfigFields
{
    /// <summary>Every public property, nested config records expanded with a dotted prefix, in declaration order.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Flatten(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var fields = new List<KeyValuePair<string, object?>>();
        Walk(config, "", fields);
        return fields;
    }

    /// <summary>
    /// Fields whose values differ (floats compared with relative tolerance <paramref name="relativeTolerance"/>,
    /// since GGUF stores float32 and config.json decimal text), skipping <paramref name="ignore"/>d names.
    /// </summary>
    public static IReadOnlyList<(string Field, object? Left, object? Right)> Differences(
        ModelConfig left, ModelConfig right, IEnumerable<string>? ignore = null, double relativeTolerance = 1e-5)
    {
        var skip = new HashSet<string>(ignore ?? [], StringComparer.Ordinal);
        var l = Flatten(left).ToDictionary(p => p.Key, p => p.Value);
        var r = Flatten(right).ToDictionary(p => p.Key, p => p.Value);
        // A nested record null on one side ("Moe" of a dense model) is one difference, not one per field.
        var absentParts = l.Concat(r).Where(p => p.Value is null).Select(p => p.Key + ".").ToList();
        var result = new List<(string, object?, object?)>();
        foreach (string name in l.Keys.Concat(r.Keys).Distinct())
        {
            if (skip.Contains(name) || skip.Any(s => name.StartsWith(s + ".", StringComparison.Ordinal))) continue;
            if (absentParts.Any(p => name.StartsWith(p, StringComparison.Ordinal))) continue;
            // A name on one side only is a record the other side expands into fields.
            object? a = l.TryGetValue(name, out object? x) ? x : SetMarker;
            object? b = r.TryGetValue(name, out object? y) ? y : SetMarker;
            if (!Same(a, b, relativeTolerance)) result.Add((name, a, b));
        }
        return result;
    }

    /// <summary>Stands for a nested record that is present where the other side has null.</summary>
    public const string SetMarker = "(set)";

    /// <summary>A value as the check report prints it (invariant culture, "null" for absent).</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<int> list => "[" + string.Join(", ", list) + "]",
        _ => value.ToString() ?? "",
    };

    private static bool Same(object? a, object? b, double tolerance)
    {
        if (a is float fa && b is float fb)
            return fa == fb || Math.Abs(fa - fb) <= tolerance * Math.Max(Math.Abs(fa), Math.Abs(fb));
        if (a is IEnumerable<int> la && b is IEnumerable<int> lb) return la.SequenceEqual(lb);
        return Equals(a, b);
    }

    private static void Walk(object node, string prefix, List<KeyValuePair<string, object?>> into)
    {
        foreach (PropertyInfo p in node.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract") continue;
            object? value = p.GetValue(node);
            string name = prefix + p.Name;
            if (value is not null && IsConfigRecord(value.GetType())) Walk(value, name + ".", into);
            else into.Add(new(name, value));
        }
    }

    private static bool IsConfigRecord(Type t) => t.IsClass && t != typeof(string) && t.Namespace == typeof(ModelConfig).Namespace;
}
