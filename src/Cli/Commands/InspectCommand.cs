using System.Globalization;
using System.Text;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;
using NativeInfer.Injection;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer inspect MODEL.gguf [--tree] [--rules FILE] [--metadata-all]`: what a GGUF file holds —
/// metadata (long arrays and strings summarised), tensors by type and the largest ones, the ModelConfig
/// the builders make of it, and the module tree (with --rules, each module's operator, device and rule).
/// Descriptive, not a validator: a config that cannot be built is reported in its section (`check` fails
/// on it). A file that is not GGUF, or a rule error, is one line and exit 1.
/// </summary>
public sealed class InspectCommand : ICliCommand
{
    private const int ShownArrayItems = 6;
    private const int ShownStringChars = 100;
    private const int LargestTensors = 5;

    public string Name => "inspect";
    public string Summary => "show a GGUF model's metadata, tensors, config and module tree (with --rules: operators and devices)";
    public string Usage => """
        nativeinfer inspect MODEL.gguf [--tree] [--rules RULES.yaml] [--metadata-all]
          --tree          the module tree, one module per line (HF path, class)
          --rules         apply injection rules: each module of the tree gets its operator, device and rule (implies --tree)
          --metadata-all  every element of every array and every string in full (default: first items and a count)
        """;

    public IReadOnlyList<string> Switches => ["tree", "metadata-all"];

    public int Run(CliArguments args, TextWriter output)
    {
        string path = args.RequiredPositional("model (a .gguf file)");
        string? rules = args.Option("rules");
        bool tree = args.Flag("tree") || rules is not null;
        bool all = args.Flag("metadata-all");
        args.EnsureAllConsumed();
        if (rules is not null && !File.Exists(rules)) throw new FileNotFoundException($"rule file not found: {rules}", rules);

        using GgufFile file = GgufFile.Open(path);
        // Rules are applied before anything is printed, so a rule error is the only output.
        (ModelConfig? config, string configNote, InjectionPlan? plan) = Configure(file, rules);

        PrintFile(file, output);
        PrintMetadata(file, all, output);
        PrintTensors(file, output);
        PrintConfig(config, configNote, output);
        if (plan is not null) PrintModules(plan, tree, withOperators: rules is not null, output);
        return 0;
    }

    private static (ModelConfig?, string, InjectionPlan?) Configure(GgufFile file, string? rules)
    {
        ModelConfig config;
        string builder;
        try
        {
            ModelSource source = ModelSource.FromGguf(file);
            var builders = new ModelConfigBuilders();
            builder = builders.Select(source).Name;
            config = builders.Build(source);
        }
        catch (Exception e) when (e is ModelConfigException or GgufMetadataException)
        {
            if (rules is not null) throw;
            return (null, e.Message, null);
        }
        InjectionPlan? plan = null;
        try
        {
            plan = InferenceModel.CreatePlan(file, new ModelOptions { RulesPath = rules });
        }
        catch (Models.ModuleMapException e) when (rules is null)
        {
            return (config, $"{builder}; no module tree: {e.Message}", null);
        }
        return (config, builder, plan);
    }

    private static void PrintFile(GgufFile f, TextWriter o) =>
        o.WriteLine($"file: {f.Source} (GGUF v{f.Version}, {Size(f.Length)}, alignment {f.Alignment}, {f.Metadata.Count} metadata keys, {f.Tensors.Count} tensors)");

    private static void PrintMetadata(GgufFile f, bool all, TextWriter o)
    {
        o.WriteLine($"metadata ({f.Metadata.Count} keys):");
        int keyWidth = f.Metadata.Select(e => e.Key.Length).DefaultIfEmpty(0).Max() + 2;
        foreach (GgufMetadataEntry e in f.Metadata)
            o.WriteLine($"  {e.Key.PadRight(keyWidth)}{TypeText(e),-16} {ValueText(e, all)}");
    }

    private static string TypeText(GgufMetadataEntry e) => e.IsArray ? $"{e.ElementType}[{e.ArrayLength}]" : e.Type.ToString();

    private static string ValueText(GgufMetadataEntry e, bool all)
    {
        if (e.IsArray) return e.FormatValue(all ? int.MaxValue : ShownArrayItems);
        if (e.Type != GgufValueType.String) return e.FormatValue();
        string s = (string)e.GetValue();
        string shown = !all && s.Length > ShownStringChars ? s[..ShownStringChars] : s;
        string escaped = "\"" + shown.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r") + "\"";
        return shown.Length < s.Length ? $"{escaped}… ({s.Length} chars)" : escaped;
    }

    private static void PrintTensors(GgufFile f, TextWriter o)
    {
        long total = f.Tensors.Sum(t => t.ByteSize);
        long parameters = f.Tensors.Sum(t => t.ElementCount);
        o.WriteLine($"tensors: {f.Tensors.Count}, {parameters.ToString("N0", CultureInfo.InvariantCulture)} values, {Size(total)}");
        foreach (var g in f.Tensors.GroupBy(t => t.Type).OrderByDescending(g => g.Sum(t => t.ByteSize)))
        {
            long bytes = g.Sum(t => t.ByteSize);
            o.WriteLine($"  {g.Key.Name(),-6} {g.Count(),5} tensors  {Size(bytes),11}  {(double)bytes / Math.Max(1, total),6:P1}");
        }
        var largest = f.Tensors.OrderByDescending(t => t.ByteSize).ThenBy(t => t.Index).Take(LargestTensors).ToList();
        if (largest.Count == 0) return;
        o.WriteLine("  largest:");
        int nameWidth = largest.Max(t => t.Name.Length) + 2;
        foreach (GgufTensor t in largest)
            o.WriteLine($"    {t.Name.PadRight(nameWidth)}{t.Type.Name(),-6} [{string.Join(", ", t.Dimensions.ToArray())}]  {Size(t.ByteSize)}");
    }

    private static void PrintConfig(ModelConfig? config, string note, TextWriter o)
    {
        if (config is null)
        {
            o.WriteLine($"config: cannot build one: {note}");
            return;
        }
        o.WriteLine($"config ({note}):");
        foreach ((string name, object? value) in ModelConfigFields.Flatten(config))
            if (name != "BuiltBy") o.WriteLine($"  {name,-40} {ModelConfigFields.Format(value)}");
    }

    private static void PrintModules(InjectionPlan plan, bool tree, bool withOperators, TextWriter o)
    {
        var modules = plan.Root.Descendants().ToList();
        string classes = string.Join(", ", modules.GroupBy(m => m.ClassName).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                                                  .Select(g => $"{g.Key} ×{g.Count()}"));
        o.WriteLine($"modules: {modules.Count} ({classes})");
        if (!tree) return;
        var rows = new List<(string Name, string Class, string Operator)>();
        var entries = plan.Entries.ToDictionary(e => e.Module.Path, StringComparer.Ordinal);
        foreach (Module m in modules)
        {
            int depth = m.Path.Length == 0 ? 0 : m.Path.Count(c => c == '.') + 1;
            string name = new string(' ', 2 * depth) + (m.Path.Length == 0 ? "(root)" : m.Name);
            rows.Add((name, m.ClassName, withOperators ? OperatorText(entries.GetValueOrDefault(m.Path)) : ""));
        }
        int nameWidth = rows.Max(r => r.Name.Length) + 2, classWidth = rows.Max(r => r.Class.Length) + 2;
        foreach (var r in rows)
        {
            var line = new StringBuilder("  ").Append(r.Name.PadRight(nameWidth)).Append(r.Operator.Length > 0 ? r.Class.PadRight(classWidth) + r.Operator : r.Class);
            o.WriteLine(line.ToString().TrimEnd());
        }
        foreach (string w in plan.Warnings) o.WriteLine($"warning: {w}");
    }

    private static string OperatorText(PlannedOperator? e)
    {
        if (e is null) return "";
        if (e.Pruned) return "(inside parent)";
        if (e.Operator is null) return "-";
        string rule = e.Rule is null ? "default" : $"{Path.GetFileName(e.Rule.Location.File)}:{e.Rule.Location.Line}";
        string device = e.GenerateDevice == e.PrefillDevice ? e.GenerateDevice.ToString() : $"gen {e.GenerateDevice}, prefill {e.PrefillDevice}";
        return $"→ {e.Operator.Name} on {device} ({rule})";
    }

    private static string Size(long n) => n switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{n / (double)(1L << 30):0.00} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{n / (double)(1L << 20):0.00} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{n / 1024.0:0.0} KiB"),
        _ => $"{n} B",
    };
}
