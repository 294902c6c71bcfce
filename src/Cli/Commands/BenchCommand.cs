using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Generation;
using NativeInfer.Cli.Progress;
using NativeInfer.Diagnostics;
using NativeInfer.Generation;
using NativeInfer.Gguf;
using NativeInfer.Kernels;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer bench [MODEL.gguf]`: end-to-end prefill and decode speed of a model on this machine, and decode
/// as a fraction of its roofline (the weight bytes one step reads ÷ the read bandwidth measured by the same
/// threads in the same run). Without a model it benchmarks a DeepSeek-V2-Lite-shaped model at full widths with
/// random weights, written once to the cache. Tokens are random; each next token is the argmax, so the
/// numbers are the model's forward pass (sampling costs ~0.2 ms a token, see docs/benchmarks.md).
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    public string Name => "bench";
    public string Summary => "end-to-end prefill and decode tokens/s of a model, decode as a fraction of the memory-bandwidth roofline";
    public string Usage => $"""
        nativeinfer bench [MODEL.gguf] [--prompt-tokens N] [--decode-tokens N] [--repeat N] [--layers N] [--type T] [options]
          MODEL              a GGUF model; without one, a DeepSeek-V2-Lite-shaped model (hidden 2048, 16 heads, kv_lora 512,
                             64 experts of 1408, top-6, 2 shared) with random weights, written once to the cache
          --layers N         depth of that model (default 4: 1 dense + 3 MoE layers); --type T its weights (default q4_0)
          --prompt-tokens N  prompt evaluated as one batch from an empty cache (default 128)
          --decode-tokens N  decode steps after it, one token each (default 64)
          --repeat N         runs; prefill reports the median, decode pools every step (default 3)
        {ModelArguments.Usage.TrimEnd()}
        """;

    public IReadOnlyList<string> Switches => ModelArguments.Switches;

    public int Run(CliArguments args, TextWriter output) => Run(args, new CliConsole(TextReader.Null, output, TextWriter.Null, false));

    public int Run(CliArguments args, CliConsole console)
    {
        ModelArguments model = ModelArguments.Parse(args);
        int layers = args.IntOption("layers", 4, 1, 27);
        string typeText = args.Option("type") ?? "q4_0";
        int promptTokens = args.IntOption("prompt-tokens", 128, 1, 1 << 16);
        int decodeTokens = args.IntOption("decode-tokens", 64, 1, 1 << 16);
        int repeat = args.IntOption("repeat", 3, 1, 100);
        args.EnsureAllConsumed();
        if (model.ModelPath is not null && (args.Option("layers") ?? args.Option("type")) is not null)
            throw new CliUsageException("--layers and --type shape the synthetic model; they do not apply to a MODEL file");
        GgmlType type = MakeTinyCommand.ParseType(typeText);
        model.CheckFiles();

        using var progress = new ConsoleProgress(console.Error, console.Interactive);
        string path = model.ModelPath ?? WriteSynthetic(layers, type, progress);
        using InferenceModel inference = LoadModel(path, model, progress);
        int capacity = model.ContextLength ?? promptTokens + decodeTokens;
        if (capacity < promptTokens + decodeTokens)
            throw new CliUsageException($"--ctx {capacity} is less than --prompt-tokens + --decode-tokens ({promptTokens + decodeTokens})");
        using InferenceSession session = inference.CreateSession(new SessionOptions
        {
            Threads = model.Threads, ContextLength = capacity, KvCacheType = model.KvCacheType, MaxBatchTokens = Math.Max(512, promptTokens),
        });

        double bandwidth = MemoryBandwidth.Measure(session.Pool);
        var random = new Random(1);
        int[] prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(session.VocabSize)).ToArray();
        var logits = new float[session.VocabSize];
        var prefillSeconds = new double[repeat];
        var stepSeconds = new List<double>(repeat * decodeTokens);
        int[] next = new int[1];
        for (int r = 0; r < repeat; r++)
        {
            progress.Report(new OperationProgress("bench", r, repeat, ProgressUnit.Items, "prefill and decode"));
            session.Reset();
            long start = Stopwatch.GetTimestamp();
            session.Forward(prompt, logits);
            prefillSeconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            for (int i = 0; i < decodeTokens; i++)
            {
                next[0] = TensorPrimitives.IndexOfMax(logits);
                start = Stopwatch.GetTimestamp();
                session.Forward(next, logits);
                stepSeconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }
        progress.Complete();

        Print(console.Out, path, inference, session, bandwidth, promptTokens, decodeTokens, repeat, prefillSeconds, stepSeconds);
        return 0;
    }

    private static string WriteSynthetic(int layers, GgmlType type, ConsoleProgress progress)
    {
        SyntheticModelSpec spec = SyntheticModelSpec.DeepseekV2Lite(layers, type);
        return SyntheticModelCache.EnsureWritten(spec, DemoFiles.CacheDirectory, new SyntheticWriteOptions { Progress = progress });
    }

    private static InferenceModel LoadModel(string path, ModelArguments model, ConsoleProgress progress)
    {
        // A preload reports its own progress; the activity ticker would draw over it.
        ModelOptions options = model.ToOptions(progress).Model;
        using (options.Memory.Preload ? null : progress.Activity("load", Path.GetFileName(path)))
            return InferenceModel.Load(path, options);
    }

    private static void Print(TextWriter o, string path, InferenceModel model, InferenceSession session, double bandwidth,
                              int promptTokens, int decodeTokens, int repeat, double[] prefillSeconds, List<double> stepSeconds)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        Array.Sort(prefillSeconds);
        double prefill = prefillSeconds[repeat / 2];
        double[] steps = [.. stepSeconds];
        Array.Sort(steps);
        double decodeRate = steps.Length / steps.Sum();
        long bytes = model.DecodeBytesPerToken;
        double roofline = bandwidth / bytes;
        CpuInfo cpu = CpuInfo.Query();
        o.WriteLine(string.Create(c, $"model      {Path.GetFileName(path)} ({model.Config.Architecture}, {model.Config.NumLayers} layers, {new FileInfo(path).Length / 1e9:0.00} GB)"));
        o.WriteLine(string.Create(c, $"machine    {cpu.Brand} · {session.Pool.ThreadCount} threads · {CpuInfo.IsaName(session.Pool.Isa)} · read bandwidth {bandwidth / 1e9:0.0} GB/s"));
        o.WriteLine(string.Create(c, $"prefill    {promptTokens} tokens in one batch: {promptTokens / prefill:0.0} tokens/s ({prefill * 1e3:0} ms, median of {repeat})"));
        o.WriteLine(string.Create(c, $"decode     {decodeRate:0.0} tokens/s · per token p50 {Percentile(steps, 0.50) * 1e3:0.00} ms, p99 {Percentile(steps, 0.99) * 1e3:0.00} ms ({steps.Length} steps)"));
        o.WriteLine(string.Create(c, $"roofline   {bytes / 1e6:0.0} MB of weights read per token → {roofline:0.0} tokens/s at {bandwidth / 1e9:0.0} GB/s; decode reaches {decodeRate / roofline:P0}"));
        WeightResidency residency = model.MeasureResidency();
        WeightMemoryState memory = model.Memory;
        o.WriteLine(string.Create(c, $"weights    {residency.ResidentBytes / 1e9:0.00} of {residency.TensorBytes / 1e9:0.00} GB resident, {residency.HugePageBytes / 1e9:0.00} GB in huge pages" +
                                     $" (huge pages {(memory.HugePagesAdvised ? "advised" : "not advised")}{(memory.Preloaded ? $", preloaded in {memory.PreloadTime.TotalSeconds:0.0} s" : "")}{(memory.Locked ? ", locked" : "")})"));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
