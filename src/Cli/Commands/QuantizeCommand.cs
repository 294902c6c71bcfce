using System.Text.RegularExpressions;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Progress;
using NativeInfer.Diagnostics;
using NativeInfer.Gguf;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer quantize IN OUT --type T`: re-quantizes a GGUF model with the native kernels
/// (<see cref="GgufQuantizer"/>). Progress goes to stderr (<see cref="ConsoleProgress"/>), the summary to stdout.
/// </summary>
public sealed class QuantizeCommand : ICliCommand
{
    public string Name => "quantize";
    public string Summary => "quantize a GGUF model's F32/F16/BF16/Q8_0 weights to q4_0, q8_0, q4_k or q6_k";
    public string Usage => """
        nativeinfer quantize IN.gguf OUT.gguf --type q4_0|q8_0|q4_k|q6_k [--threads N] [--exclude REGEX]
          Tensors with 2+ dimensions are converted; 1-D tensors, tensors whose name REGEX finds and other
          types are copied unchanged; a tensor whose ne0 does not fit the block size falls back to q8_0.
          llama.cpp never quantizes MoE routers: add --exclude ffn_gate_inp to do the same.
        """;

    public int Run(CliArguments args, TextWriter output)
    {
        string input = args.RequiredPositional("input file (IN.gguf)");
        string outputPath = args.RequiredPositional("output file (OUT.gguf)");
        string typeName = args.Option("type") ?? throw new CliUsageException("--type is required: q4_0, q8_0, q4_k or q6_k");
        if (!GgmlTypes.TryParse(typeName, out GgmlType target) || !GgufQuantizeOptions.Targets.Contains(target))
            throw new CliUsageException($"--type must be q4_0, q8_0, q4_k or q6_k (got '{typeName}')");
        int threads = args.IntOption("threads", 0, 0, 1024);
        Regex? exclude = ParseRegex(args.Option("exclude"));
        bool verbose = args.Verbose;
        args.EnsureAllConsumed();

        using GgufFile source = GgufFile.Open(input);
        var options = new GgufQuantizeOptions(target, threads, exclude);
        long totalBytes = source.Tensors.Sum(t => t.ByteSize);
        GgufQuantizeSummary summary;
        using (ConsoleProgress progress = ConsoleProgress.ForStandardError())
        {
            summary = GgufQuantizer.Quantize(source, outputPath, options, p => progress.Report(new OperationProgress(
                "quantize", p.SourceBytesDone, totalBytes, ProgressUnit.Bytes,
                $"[{p.TensorIndex + 1}/{p.TensorCount}] {p.Plan.Name} {p.Plan.Source.Name()} → {p.Plan.Target.Name()}")));
        }
        Print(summary, input, outputPath, target, verbose, output);
        return 0;
    }

    private static Regex? ParseRegex(string? pattern)
    {
        if (pattern is null) return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--exclude is not a valid regular expression: {e.Message}");
        }
    }

    private static void Print(GgufQuantizeSummary s, string input, string outputPath, GgmlType target, bool verbose, TextWriter output)
    {
        int converted = s.Plans.Count(p => p.Converted && !p.IsFallback);
        var fallbacks = s.Plans.Where(p => p.IsFallback).ToList();
        var kept = s.Plans.Where(p => !p.Converted && !p.IsFallback).ToList();
        int oneD = kept.Count(p => p.Note?.StartsWith("1-D", StringComparison.Ordinal) == true);
        output.WriteLine($"quantized {Path.GetFileName(input)} → {Path.GetFileName(outputPath)} as {target.Name()} in {s.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"  tensors: {converted} → {target.Name()}, {fallbacks.Count} fell back to q8_0, {kept.Count} copied unchanged ({oneD} 1-D)");
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
