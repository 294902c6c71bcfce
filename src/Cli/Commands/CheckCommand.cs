using System.Globalization;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Config;
using NativeInfer.Models;
using NativeInfer.Models.Checking;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer check MODEL`: which config builder matched and the config it built, the tensors the
/// architecture expects against those present, sizes, and the bytes a decode step reads
/// (<see cref="ModelCheck"/> does the work). Exit 1 with a one-line reason on any problem.
/// </summary>
public sealed class CheckCommand : ICliCommand
{
    private const int ListedProblems = 20;

    public string Name => "check";
    public string Summary => "check a model (GGUF, or a directory with config.json + safetensors): config, tensors, sizes, decode bytes";
    public string Usage => """
        nativeinfer check MODEL [--config CONFIG.json|DIR] [--module-map MAP.yaml] [--tensors] [--scan-weights]
          MODEL is a .gguf file, a directory with config.json (+ model.safetensors or an index), or a config.json.
          A tensor no module uses, unless the architecture declares it ignorable (listed as "ignored: why"),
          fails the check: running the file would leave out what it computes.
          --config      cross-check a GGUF against the config.json of the checkpoint it came from
          --module-map  YAML file mapping architecture names to your IModelDefinition types
          --tensors     list every expected tensor with its type and shape
          --scan-weights  scan every F32/F16/BF16 tensor for NaN and infinity (1-D ones — norms, biases — are always
                        scanned); reads all their bytes: about 0.1 s per GB from the page cache (docs/benchmarks.md),
                        otherwise the time the disk takes to read them
        """;

    public IReadOnlyList<string> Switches => ["tensors", "scan-weights"];

    public int Run(CliArguments args, TextWriter output)
    {
        string model = args.RequiredPositional("model (a .gguf file or a directory with config.json)");
        string? config = args.Option("config");
        string? moduleMap = args.Option("module-map");
        bool listTensors = args.Flag("tensors");
        bool scanWeights = args.Flag("scan-weights");
        args.EnsureAllConsumed();

        var mapOptions = new ModuleMapOptions();
        if (moduleMap is not null) mapOptions.Files.Add(moduleMap);
        if (config is not null && Directory.Exists(model))
            throw new CliUsageException("--config cross-checks a GGUF model; MODEL is a config.json directory already");

        ModelCheckReport report = ModelCheck.Run(model, new ModelCheckOptions
        {
            ModuleMap = new ModuleMap(mapOptions),
            CompanionConfig = config,
            ScanAllWeights = scanWeights,
        });
        Print(report, listTensors, output);
        if (report.FailureReason is string reason) throw new CheckFailedException($"check failed: {reason}");
        return 0;
    }

    internal static void Print(ModelCheckReport r, bool listTensors, TextWriter o)
    {
        o.WriteLine($"model: {r.Model} ({(r.Format == Config.Builders.ModelFormat.Gguf ? "GGUF" : r.AssumedStorageType is null ? "config.json + safetensors" : "config.json only")})");
        o.WriteLine($"architecture: {r.Architecture} → {r.DefinitionType.Name} ({r.ModelClass})");
        o.WriteLine($"config builder: {r.BuilderName}");
        o.WriteLine("config:");
        foreach ((string name, object? value) in ModelConfigFields.Flatten(r.Config))
            if (name != "BuiltBy") o.WriteLine($"  {name,-40} {ModelConfigFields.Format(value)}");

        if (r.AssumedStorageType is string assumed)
            o.WriteLine($"no checkpoint beside the config.json: tensors, parameters and decode bytes are the architecture's, stored as {assumed} (its torch_dtype)");
        int missing = r.Tensors.Count(t => t.Status == TensorStatus.Missing);
        int shape = r.Tensors.Count(t => t.Status == TensorStatus.WrongShape);
        int type = r.Tensors.Count(t => t.Status == TensorStatus.WrongType);
        o.WriteLine($"tensors: {r.ExpectedCount} expected, {r.PresentCount} present; {missing} missing, {shape} wrong shape, {type} wrong type, " +
                    $"{r.Unexpected.Count} unexpected, {r.Ignored.Count} ignored");
        var problems = r.Problems.ToList();
        foreach (TensorCheck t in listTensors ? r.Tensors : problems.Take(ListedProblems))
            o.WriteLine($"  {(t.IsProblem ? "✗" : " ")} {t.Describe()}");
        if (!listTensors && problems.Count > ListedProblems) o.WriteLine($"  … and {problems.Count - ListedProblems} more (--tensors lists all)");
        foreach (PresentTensor t in listTensors ? r.Unexpected : r.Unexpected.Take(ListedProblems))
            o.WriteLine($"  ? {t.Name}: unexpected {t.TypeName} {t.ShapeText}");
        if (!listTensors && r.Unexpected.Count > ListedProblems) o.WriteLine($"  … and {r.Unexpected.Count - ListedProblems} more unexpected");
        // Ignored tensors come in whole layers: one line per reason, the names with --tensors.
        foreach (var group in r.Ignored.GroupBy(i => i.Reason))
        {
            o.WriteLine($"  - {group.Count()} tensor(s) ignored: {group.Key}");
            if (listTensors)
                foreach (IgnoredPresentTensor i in group) o.WriteLine($"      {i.Tensor.Name} {i.Tensor.TypeName} {i.Tensor.ShapeText}");
        }

        o.WriteLine($"values: {r.ScannedTensors} float tensors scanned for NaN and infinity{(r.NonFinite.Count == 0 ? ", all finite" : $", {r.NonFinite.Count} hold non-finite values")}");
        foreach (NonFiniteTensor t in r.NonFinite.Take(ListedProblems))
            o.WriteLine($"  ✗ {t.Name}: {t.TypeName} value {t.Index} is NaN or infinite");
        o.WriteLine($"parameters: {r.ParameterCount} ({Count(r.ParameterCount)}); active per token {r.ActiveParameterCount} ({Count(r.ActiveParameterCount)}), "
                    + "counted as model cards do: all but the routed experts a token does not select"
                    + (r.UnexpectedParameterCount > 0 ? $"; plus {r.UnexpectedParameterCount} in unexpected tensors" : "")
                    + (r.IgnoredParameterCount > 0 ? $"; plus {r.IgnoredParameterCount} ({Count(r.IgnoredParameterCount)}) in ignored tensors" : ""));
        o.WriteLine($"weights by type ({Bytes(r.TotalBytes)}):");
        foreach (WeightTypeUsage u in r.ByType)
            o.WriteLine($"  {u.TypeName,-6} {u.Tensors,6} tensors  {u.Parameters,14} params  {u.Bytes,14} bytes ({Bytes(u.Bytes)})");

        DecodeTraffic d = r.Decode;
        o.WriteLine($"decode step reads {d.TotalBytes} bytes of weights per token ({Bytes(d.TotalBytes)}; {Count(d.TotalParameters)} active parameters):");
        foreach ((WeightCategory c, long bytes) in d.Bytes.OrderBy(p => p.Key))
            o.WriteLine($"  {c,-14} {bytes,14} bytes ({Bytes(bytes)})");
        string experts = r.Config.Moe is { } moe ? $", routed experts k/E = {moe.ExpertsPerToken}/{moe.NumExperts} of each expert tensor" : "";
        o.WriteLine($"  formula: every weight once, except the embedding (one row{(r.Config.TiedEmbeddings ? "; tied, so the head reads the whole table" : "")}){experts}; KV cache not included");
        if (d.TotalBytes > 0)
            o.WriteLine($"  roofline: ≤ {d.TokensPerSecondAt(100e9).ToString("0.#", CultureInfo.InvariantCulture)} tokens/s per 100 GB/s of read bandwidth");

        if (r.CrossCheck is { } x)
        {
            o.WriteLine($"cross-check with {x.ConfigPath} ({x.BuilderName}): {(x.Agrees ? "agrees" : $"{x.Disagreements.Count} disagreement(s)")}"
                        + $" (not compared: {string.Join(", ", ConfigCrossCheck.IgnoredFields)})");
            foreach ((string field, object? g, object? c) in x.Disagreements)
                o.WriteLine($"  ✗ {field}: GGUF {ModelConfigFields.Format(g)}, config.json {ModelConfigFields.Format(c)}");
        }
        o.WriteLine(r.Passed ? "result: OK" : $"result: FAILED: {r.FailureReason}");
    }

    private static string Count(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.##} B",
        >= 1_000_000 => $"{n / 1e6:0.##} M",
        >= 1_000 => $"{n / 1e3:0.##} K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    private static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.00} MiB",
        >= 1L << 10 => $"{n / 1024.0:0.0} KiB",
        _ => $"{n} B",
    };
}
