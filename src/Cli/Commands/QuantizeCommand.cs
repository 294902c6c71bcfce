using System.Text.RegularExpressions;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Progress;
using NativeInfer.Diagnostics;
using NativeInfer.Gguf;
using NativeInfer.Quantization;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer quantize IN OUT --type T`: re-quantizes a GGUF model with the native kernels
/// (<see cref="GgufQuantizer"/>). Progress goes to stderr (<see cref="ConsoleProgress"/>), the summary to stdout.
/// </summary>
public sealed class QuantizeCommand : ICliCommand
{
    public string Name => "quantize";
    public string Summary => "quantize a GGUF model's F32/F16/BF16/Q8_0 weights to a block format or llama.cpp's q4_k_m / q5_k_m mixes";
    public string Usage => $"""
        nativeinfer quantize IN.gguf OUT.gguf --type TYPE [--threads N] [--exclude REGEX] [--tensor-type REGEX=TYPE,...]
          TYPE: {string.Join(", ", GgufQuantizeOptions.TargetNames)}
          --tensor-type gives the tensors whose name REGEX finds another TYPE (not a mix); the last match wins.
          Tensors with 2+ dimensions are converted; 1-D tensors, tensors whose name REGEX finds and other
          types are copied unchanged; a tensor whose ne0 does not fit the block size falls back as in
          llama.cpp (q2_k, q3_k, iq4_xs → iq4_nl; q4_k → q5_0; q5_k → q5_1; q6_k → q8_0).
          q4_k_m and q5_k_m follow llama.cpp's per-tensor rules (q6_k for the output and some attn_v /
          ffn_down layers, docs/gguf.md) and, like llama.cpp, leave the MoE routers (ffn_gate_inp) alone;
          with the other types add --exclude ffn_gate_inp to do the same.
        """;

    public int Run(CliArguments args, TextWriter output)
    {
        string input = args.RequiredPositional("input file (IN.gguf)");
        string outputPath = args.RequiredPositional("output file (OUT.gguf)");
        string targets = string.Join(", ", GgufQuantizeOptions.TargetNames);
        string typeName = args.Option("type") ?? throw new CliUsageException($"--type is required: {targets}");
        if (!GgufQuantizeOptions.TryParseTarget(typeName, out GgmlType target, out GgufQuantizeMix mix))
            throw new CliUsageException($"--type must be one of {targets} (got '{typeName}')");
        int threads = args.IntOption("threads", 0, 0, 1024);
        Regex? exclude = ParseRegex(args.Option("exclude"), "--exclude");
        IReadOnlyList<GgufTensorTypeRule> tensorTypes = ParseTensorTypes(args.Option("tensor-type"));
        bool verbose = args.Verbose;
        args.EnsureAllConsumed();

        using GgufFile source = GgufFile.Open(input);
        GgufQuantizeOptions options = (mix == GgufQuantizeMix.None ? new GgufQuantizeOptions(target, threads, exclude)
                                                                    : GgufQuantizeOptions.ForMix(mix, threads, exclude)) with { TensorTypes = tensorTypes };
        long totalBytes = source.Tensors.Sum(t => t.ByteSize);
        GgufQuantizeSummary summary;
        using (ConsoleProgress progress = ConsoleProgress.ForStandardError())
        {
            summary = GgufQuantizer.Quantize(source, outputPath, options, p => progress.Report(new OperationProgress(
                "quantize", p.SourceBytesDone, totalBytes, ProgressUnit.Bytes,
                $"[{p.TensorIndex + 1}/{p.TensorCount}] {p.Plan.Name} {p.Plan.Source.Name()} → {p.Plan.Target.Name()}")));
        }
        Print(summary, input, outputPath, mix == GgufQuantizeMix.None ? target.Name() : typeName.ToLowerInvariant(), verbose, output);
        return 0;
    }

    private static Regex? ParseRegex(string? pattern, string option)
    {
        if (pattern is null) return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"{option} is not a valid regular expression: {e.Message}");
        }
    }

    /// <summary>"REGEX=TYPE,REGEX=TYPE": each type a target type (not a mix).</summary>
    private static IReadOnlyList<GgufTensorTypeRule> ParseTensorTypes(string? text)
    {
        if (text is null) return [];
        var rules = new List<GgufTensorTypeRule>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = item.LastIndexOf('=');
            if (eq <= 0 || eq == item.Length - 1) throw new CliUsageException($"--tensor-type takes REGEX=TYPE pairs (got '{item}')");
            string typeName = item[(eq + 1)..];
            if (!GgufQuantizeOptions.TryParseTarget(typeName, out GgmlType type, out GgufQuantizeMix mix) || mix != GgufQuantizeMix.None)
                throw new CliUsageException($"--tensor-type: '{typeName}' is not one of {string.Join(", ", GgufQuantizeOptions.Targets.Select(t => t.Name().ToLowerInvariant()))}");
            rules.Add(new GgufTensorTypeRule(ParseRegex(item[..eq], "--tensor-type")!, type));
        }
        return rules;
    }

    private static void Print(GgufQuantizeSummary s, string input, string outputPath, string target, bool verbose, TextWriter output)
    {
        var converted = s.Plans.Where(p => p.Converted && !p.IsFallback).ToList();
        var fallbacks = s.Plans.Where(p => p.IsFallback).ToList();
        var kept = s.Plans.Where(p => !p.Converted && !p.IsFallback).ToList();
        int oneD = kept.Count(p => p.Note?.StartsWith("1-D", StringComparison.Ordinal) == true);
        // "35 → q4_K", or per type for a mix: "35 → q4_K 28, q6_K 7"
        var groups = converted.GroupBy(p => p.Target).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).ToList();
        string byType = groups.Count switch
        {
            0 => target,
            1 => groups[0].Key.Name(),
            _ => string.Join(", ", groups.Select(g => $"{g.Key.Name()} {g.Count()}")),
        };
        output.WriteLine($"quantized {Path.GetFileName(input)} → {Path.GetFileName(outputPath)} as {target} in {s.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"  tensors: {converted.Count} → {byType}, {fallbacks.Count} fell back to another type, "
                         + $"{kept.Count} copied unchanged ({oneD} 1-D)");
        const int shown = 10;
        var notes = fallbacks.Concat(kept.Where(p => p.Note is not null && !p.Note.StartsWith("1-D", StringComparison.Ordinal))).ToList();
        foreach (GgufTensorPlan p in verbose ? notes : notes.Take(shown))
            output.WriteLine($"  {p.Name}: {p.Note}");
        if (!verbose && notes.Count > shown) output.WriteLine($"  … and {notes.Count - shown} more (--verbose lists all)");
        output.WriteLine($"  tensor data: {Megabytes(s.InputTensorBytes)} → {Megabytes(s.OutputTensorBytes)} ({(double)s.OutputTensorBytes / Math.Max(1, s.InputTensorBytes):P0});"
                         + $" file: {Megabytes(s.InputFileBytes)} → {Megabytes(s.OutputFileBytes)}");
    }

    private static string Megabytes(long bytes) => $"{bytes / 1e6:0.0} MB";
}
