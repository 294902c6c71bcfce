using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Generation;
using NativeInfer.Formats;
using NativeInfer.Injection;
using NativeInfer.Runtime;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer logits MODEL --tokens 1,2,3 [--prefill N] [--rules FILE] [--cpu-fallback] [--gpu | --emulate-gpu] [--threads N] --out FILE.f32`:
/// feeds the first N tokens as one batched prefill and the rest as one-token decode steps (the protocol
/// of the reference logits in ../shared/testdata), and writes the float32 logits of every position as a
/// raw little-endian [positions][vocab] file. Prints a one-line summary; errors are one line, non-zero.
/// </summary>
public sealed class LogitsCommand : ICliCommand
{
    public string Name => "logits";
    public string Summary => "run token ids through a model; write every position's float32 logits to a raw file";
    public string Usage => """
        nativeinfer logits MODEL.gguf --tokens ID,ID,... --out FILE.f32 [--prefill N] [--rules RULES.yaml] [--cpu-fallback] [--gpu | --emulate-gpu] [--threads N]
          --tokens        token ids, comma-separated (BOS is not added: include it)
          --prefill N     feed the first N tokens as one batch, then the rest one at a time (default: all as one batch)
          --out           output file: positions × vocab float32 values, little-endian, row-major (no header)
          --rules         injection rules (docs/injection.md); default: every module's built-in CPU operator
          --cpu-fallback  run modules a rule places on CUDA on the CPU instead of failing
          --threads N     kernel threads (default 0 = all CPUs)
        """ + "\n" + GpuArguments.Usage;

    public IReadOnlyList<string> Switches => ["cpu-fallback", .. GpuArguments.Switches];

    public int Run(CliArguments args, TextWriter output) => Run(args, new CliConsole(TextReader.Null, output, TextWriter.Null, false));

    public int Run(CliArguments args, CliConsole console)
    {
        string modelPath = args.RequiredPositional("model (a .gguf file)");
        int[] tokens = ParseTokens(args.Option("tokens") ?? throw new CliUsageException("--tokens is required (comma-separated token ids)"));
        string outPath = args.Option("out") ?? throw new CliUsageException("--out is required (the file the logits are written to)");
        int prefill = args.IntOption("prefill", tokens.Length, 1, tokens.Length);
        string? rules = args.Option("rules");
        bool fallback = args.Flag("cpu-fallback");
        GpuArguments gpu = GpuArguments.Parse(args);
        int threads = args.IntOption("threads", 0, 0, 1024);
        args.EnsureAllConsumed();
        if (rules is not null && !File.Exists(rules)) throw new FileNotFoundException($"rule file not found: {rules}", rules);

        // Through OutputFile: a regular file is written beside the target and renamed at the end (an unwritable
        // --out fails before any work, a failed or interrupted run leaves an existing file untouched and no partial
        // file); the model or rule file itself is refused; /dev/null or a pipe is written in place.
        using var interruption = new Interruption();
        try
        {
            using OutputFile file = OutputFile.Create(outPath, rules is null ? [modelPath] : [modelPath, rules], name: $"--out {outPath}");
            string summary = Compute(modelPath, tokens, prefill, rules, fallback, gpu, threads, file.Stream, outPath, console.Error, interruption.Token);
            interruption.Token.ThrowIfCancellationRequested();
            file.Commit();
            console.Out.WriteLine(summary);
            return 0;
        }
        catch (OperationCanceledException) when (interruption.Signal is not null)
        {
            throw interruption.Exception();
        }
    }

    /// <summary>
    /// Runs the protocol and streams the rows to <paramref name="stream"/> as they are computed: at most one
    /// prefill batch of logits (SessionOptions.MaxBatchTokens rows) is held, however many tokens there are —
    /// the session splits a prefill into batches of that size anyway, so the rows are the same.
    /// </summary>
    private static string Compute(string modelPath, int[] tokens, int prefill, string? rules, bool fallback, GpuArguments gpu, int threads, Stream stream, string outPath,
                                  TextWriter error, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using InferenceModel model = InferenceModel.Load(modelPath, new ModelOptions
        {
            RulesPath = rules,
            Injection = gpu.Injection(fallback),
            Gpu = gpu.CreateBackend(),
        });
        int vocab = model.Config.VocabSize, n = tokens.Length;
        for (int i = 0; i < n; i++)
            if (tokens[i] >= vocab) throw new ArgumentOutOfRangeException(null, $"--tokens: token {tokens[i]} (position {i}) is outside the vocabulary [0, {vocab})");
        double loadMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var options = new SessionOptions { Threads = threads, ContextLength = n };
        int batch = Math.Min(options.MaxBatchTokens, prefill);
        var rows = new float[(long)batch * vocab];
        var bytes = new byte[1 << 16];
        int lastRow = 0;
        using (InferenceSession session = model.CreateSession(options))
        {
            for (int start = 0, count; start < n; start += count)
            {
                count = start < prefill ? Math.Min(batch, prefill - start) : 1;
                Span<float> logits = rows.AsSpan(0, count * vocab);
                if (start < prefill) session.ForwardAll(tokens.AsSpan(start, count), logits, cancellation);
                else session.Forward(tokens.AsSpan(start, 1), logits, cancellation);
                WriteLittleEndian(stream, logits, bytes);
                lastRow = count - 1;
                if (start == 0)
                {
                    stream.Flush();
                    TestHooks.PauseWhileWriting(outPath, error, cancellation);
                }
            }
        }
        double runMs = clock.Elapsed.TotalMilliseconds;

        ReadOnlySpan<float> last = rows.AsSpan(lastRow * vocab, vocab);
        int top = 0;
        for (int i = 1; i < vocab; i++) if (last[i] > last[top]) top = i;
        return string.Create(CultureInfo.InvariantCulture,
            $"{outPath}: {n} positions × {vocab} float32 logits ({(long)n * vocab * 4} bytes, little-endian); prefill {prefill} token(s) + " +
            $"{n - prefill} decode step(s) in {runMs:0.#} ms (load {loadMs:0.#} ms); last position's top-1: {top} ({last[top]:0.####})");
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values, byte[] buffer)
    {
        for (int start = 0; start < values.Length; start += buffer.Length / 4)
        {
            int count = Math.Min(buffer.Length / 4, values.Length - start);
            for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), values[start + i]);
            stream.Write(buffer, 0, count * 4);
        }
    }

    /// <summary>"100000,549, 3399" → ids; anything else is a usage error naming the bad entry.</summary>
    internal static int[] ParseTokens(string text)
    {
        string[] parts = text.Split(',');
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string p = parts[i].Trim();
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
                throw new CliUsageException($"--tokens must be comma-separated non-negative token ids; entry {i + 1} is '{p}'");
        }
        return ids;
    }
}
