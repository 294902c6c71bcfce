using System.Globalization;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Progress;
using NativeInfer.Diagnostics;
using NativeInfer.Formats;
using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer make-tiny OUT.gguf [options]`: writes a small complete model (<see cref="TinyModel"/>) with a
/// tokenizer: by default the constructed demo DeepSeek-V2 that continues text like its corpus, or any
/// supported architecture with random weights. A summary goes to stdout, progress to stderr; the file is
/// written through OUT.gguf.partial, so a failure leaves nothing behind.
/// </summary>
public sealed class MakeTinyCommand : ICliCommand
{
    public string Name => "make-tiny";
    public string Summary => "write a tiny model with a tokenizer: the constructed demo DeepSeek-V2, or any architecture with random weights";
    public string Usage => $"""
        nativeinfer make-tiny OUT.gguf [--arch {string.Join('|', TinyModel.Architectures)}] [--type TYPE] [--layers N] [--hidden N] [--experts N]
                                       [--vocab FILE.gguf] [--random] [--seed N] [--threads N]
          --arch     architecture (default deepseek2: MLA, 1 dense + 2 MoE layers, 8 experts top-2, 1 shared);
                     deepseek3: DeepSeek-V3's router (sigmoid + selection bias, 2 of 4 groups, renormalised ×2.5,
                     16 experts top-4) and one multi-token-prediction layer; qwen3moe: q/k norms, head width 64,
                     16 experts top-4; mixtral: llama with 8 experts top-2. qwen3moe and mixtral have no
                     dense MLP or shared expert for the demo's lookup: their weights are random
          --type     type of every weight matrix, embedding and head: {string.Join(", ", TinyModel.WeightTypes.Select(t => t.Name().ToLowerInvariant()))} (default q8_0);
                     every row length must be a multiple of the type's block size (256 for q4_k and q6_k)
          --layers   depth (default 3 for deepseek2, 2 otherwise); --hidden width (default 256); --experts routed experts (default 8)
          --vocab    take the tokenizer (all tokenizer.* metadata) of this GGUF file; the vocabulary size follows it
                     (default: a byte-level BPE vocabulary trained on the demo text, with the DeepSeek-V2 chat template)
          --random   random weights (shapes for benchmarks) instead of the constructed demo weights
          --seed     seed of every random number (default 1); the same options and seed write the same file
        See docs/synthetic-models.md.
        """;

    public IReadOnlyList<string> Switches => ["random"];

    public int Run(CliArguments args, TextWriter output) => Run(args, new CliConsole(TextReader.Null, output, TextWriter.Null, false));

    public int Run(CliArguments args, CliConsole console)
    {
        TextWriter output = console.Out;
        string path = args.RequiredPositional("output file (OUT.gguf)");
        string arch = args.Option("arch") ?? "deepseek2";
        if (!TinyModel.Architectures.Contains(arch))
            throw new CliUsageException($"--arch must be one of {string.Join(", ", TinyModel.Architectures)} (got '{arch}')");
        GgmlType type = ParseType(args.Option("type") ?? "q8_0");
        var options = new TinyModelOptions
        {
            Architecture = arch,
            Type = type,
            Layers = OptionalInt(args, "layers", 1, 256),
            Hidden = OptionalInt(args, "hidden", 8, 65536),
            Experts = OptionalInt(args, "experts", 1, 1024),
            VocabPath = args.Option("vocab"),
            RandomWeights = args.Flag("random"),
            Seed = args.IntOption("seed", 1, 0, int.MaxValue),
            Threads = args.IntOption("threads", 0, 0, 1024),
        };
        args.EnsureAllConsumed();
        if (options.VocabPath is { } vocab && !File.Exists(vocab)) throw new FileNotFoundException($"--vocab file not found: {vocab}", vocab);
        EnsureWritable(path, options.VocabPath);

        // SIGINT / SIGTERM stop the write before the next tensor; the partial file is removed on the way out.
        using var interruption = new Interruption();
        TinyModelSummary summary;
        try
        {
            using ConsoleProgress progress = ConsoleProgress.ForStandardError();
            var reported = new PausingProgress(progress, path, console.Error, interruption.Token);
            summary = TinyModel.Write(path, options with { Progress = reported, Cancellation = interruption.Token });
        }
        catch (OperationCanceledException) when (interruption.Signal is not null)
        {
            throw interruption.Exception();
        }
        Print(summary, output);
        return 0;
    }

    /// <summary>Forwards progress; at the first report (data is being written) gives <see cref="TestHooks"/> its pause.</summary>
    private sealed class PausingProgress(IProgress<OperationProgress> inner, string path, TextWriter error, CancellationToken cancellation)
        : IProgress<OperationProgress>
    {
        private bool _paused;

        public void Report(OperationProgress value)
        {
            inner.Report(value);
            if (_paused) return;
            _paused = true;
            TestHooks.PauseWhileWriting(path, error, cancellation);
            cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Fails before any work when OUT cannot or must not be written (see <see cref="OutputFile"/>).</summary>
    private static void EnsureWritable(string path, string? vocab) => OutputFile.Validate(path, vocab is null ? null : [vocab]);

    internal static GgmlType ParseType(string name)
    {
        if (!GgmlTypes.TryParse(name, out GgmlType type) || !TinyModel.WeightTypes.Contains(type))
            throw new CliUsageException($"--type must be one of {string.Join(", ", TinyModel.WeightTypes.Select(t => t.Name().ToLowerInvariant()))} (got '{name}')");
        return type;
    }

    private static int? OptionalInt(CliArguments args, string name, int min, int max) =>
        args.Option(name) is null ? null : args.IntOption(name, 0, min, max);

    internal static void Print(TinyModelSummary s, TextWriter o)
    {
        SyntheticModelSummary f = s.File;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {f.Path} ({f.FileBytes / 1e6:0.00} MB in {f.Elapsed.TotalSeconds:0.00} s)"));
        o.WriteLine($"  architecture: {s.Spec.Architecture}: {s.Spec.Describe()}");
        o.WriteLine($"  vocabulary:   {s.Spec.Vocab} tokens: {s.Tokenizer}");
        o.WriteLine(s.Constructed
            ? $"  weights:      constructed demo (seed {s.Spec.Seed}): continues text like the demo corpus from the last {(s.UsesPreviousToken ? "two tokens (layer 0's attention copies the previous one)" : "token")}; " +
              $"{s.LookupNeurons} lookup neurons in layer 0's MLP of {s.Spec.FirstLayerFfnWidth}"
            : $"  weights:      random (seed {s.Spec.Seed})");
        string types = string.Join(", ", f.ByType.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Type.Name()} {t.Count} ({t.Bytes / 1e6:0.00} MB)")));
        o.WriteLine($"  tensors:      {f.Tensors.Count}: {types}");
    }
}
