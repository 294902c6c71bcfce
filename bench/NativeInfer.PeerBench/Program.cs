using System.Globalization;
using NativeInfer.Diagnostics;
using NativeInfer.Kernels;
using NativeInfer.Models.Synthetic;
using NativeInfer.PeerBench;

// NativeInfer and LLamaSharp on the same GGUF, the same threads and prompt tokens, alternating round by
// round so both meet the same machine state; each loads the file once (the page cache is shared, and
// a warm-up round before timing makes sure both run from it). Prints every round, then the medians and
// their ratio.
PeerBenchOptions o;
try
{
    o = PeerBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
// llama.cpp logs every load step on stderr; errors still surface as exceptions from LLamaSharp.
LLama.Native.NativeLibraryConfig.All.WithLogCallback((level, message) => { });
string model = o.Model ?? SyntheticLite(o.Layers);
var engines = new List<IBenchEngine>();
if (o.Engines is "both" or "nativeinfer") engines.Add(new NativeInferEngine(model, o));
if (o.Engines is "both" or "llamasharp") engines.Add(new LLamaSharpEngine(model, o));

double bandwidth;
using (var pool = KernelPool.Create(o.Threads)) bandwidth = MemoryBandwidth.Measure(pool);
Console.WriteLine($"model    {Path.GetFileName(model)} ({new FileInfo(model).Length / 1e9:0.00} GB)");
Console.WriteLine($"machine  {CpuInfo.Query().Brand}, read bandwidth {bandwidth / 1e9:0.0} GB/s ({o.Threads} threads)");
foreach (IBenchEngine e in engines) Console.WriteLine($"engine   {e.Name}: {e.Settings}");
Console.WriteLine($"work     prompt {o.PromptTokens} tokens (one batch), then {o.DecodeTokens} decode steps; {o.Rounds} rounds after one warm-up round");

var random = new Random(1);
int vocab = 102400;
int[] prompt = Enumerable.Range(0, o.PromptTokens).Select(_ => random.Next(1, Math.Min(vocab, 100000))).ToArray();
// The warm-up round decodes long enough for .NET's tiered compilation to finish promoting the decode
// path's methods (30 calls each, then a background compile that takes one of the cores): measured, a
// first round after an 8-step warm-up had 13–30 steps over 1.15× the median against 8–9 with tiering off.
foreach (IBenchEngine e in engines) e.Run(-1, prompt, Math.Min(64, o.DecodeTokens));

var runs = new List<EngineRun>();
for (int r = 0; r < o.Rounds; r++)
    foreach (IBenchEngine e in r % 2 == 0 ? engines : Enumerable.Reverse(engines))
    {
        ProcessFaults before = ProcessFaults.Now();
        double stealBefore = StealTime.Seconds();
        EngineRun run = e.Run(r, prompt, o.DecodeTokens);
        double steal = StealTime.Seconds() - stealBefore;
        ProcessFaults faults = ProcessFaults.Now() - before;
        runs.Add(run);
        Console.WriteLine($"round {r}  {run.Engine,-12} prefill {run.PrefillTokensPerSecond(o.PromptTokens),7:0.0} tok/s   decode {run.DecodeTokensPerSecond,6:0.00} tok/s   " +
                          $"p50 {run.Percentile(0.5) * 1e3,6:0.0} ms  p99 {run.Percentile(0.99) * 1e3,6:0.0} ms   page faults {faults.Major} major, {faults.Minor} minor   steal {steal * 1e3:0} ms");
    }

if (o.StepsFile is { } stepsFile)
    File.WriteAllLines(stepsFile, ["engine,round,step,ms", .. runs.SelectMany(r => r.StepSeconds.Select((t, i) => $"{r.Engine},{r.Round},{i},{t * 1e3:0.000}"))]);

static double Median(IEnumerable<double> values)
{
    double[] v = [.. values];
    Array.Sort(v);
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}

Console.WriteLine();
var summary = engines.Select(e =>
{
    var mine = runs.Where(r => r.Engine == e.Name).ToList();
    double[] steps = [.. mine.SelectMany(r => r.StepSeconds)];
    var pooled = new EngineRun(e.Name, 0, 0, steps);
    return (e.Name, Prefill: Median(mine.Select(r => r.PrefillTokensPerSecond(o.PromptTokens))), Decode: Median(mine.Select(r => r.DecodeTokensPerSecond)),
            Spread: mine.Max(r => r.DecodeTokensPerSecond) - mine.Min(r => r.DecodeTokensPerSecond), P50: pooled.Percentile(0.5), P99: pooled.Percentile(0.99));
}).ToList();
foreach (var s in summary)
    Console.WriteLine($"median   {s.Name,-12} prefill {s.Prefill,7:0.0} tok/s   decode {s.Decode,6:0.00} tok/s (spread of round medians {s.Spread:0.00})   " +
                      $"pooled p50 {s.P50 * 1e3:0.0} ms, p99 {s.P99 * 1e3:0.0} ms (p99/p50 {s.P99 / s.P50:0.00})");
if (summary.Count == 2)
    Console.WriteLine($"ratio    NativeInfer / LLamaSharp: prefill {summary[0].Prefill / summary[1].Prefill:0.00}×, decode {summary[0].Decode / summary[1].Decode:0.00}×");
foreach (IBenchEngine e in engines) e.Dispose();
return 0;

// The DeepSeek-V2-Lite-shaped model of `nativeinfer bench`, with the DeepSeek vocabulary so llama.cpp accepts token ids.
static string SyntheticLite(int layers)
{
    string vocab = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/testdata/vocab/ggml-vocab-deepseek-llm.gguf"));
    if (!File.Exists(vocab)) vocab = Path.GetFullPath("../shared/testdata/vocab/ggml-vocab-deepseek-llm.gguf");
    if (!File.Exists(vocab)) throw new FileNotFoundException($"give a MODEL, or run beside ../shared (the synthetic model needs the DeepSeek vocabulary at {vocab})");
    string cache = Environment.GetEnvironmentVariable("NATIVEINFER_CACHE") is { Length: > 0 } c ? c
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "nativeinfer");
    using SyntheticTokenizer tokenizer = SyntheticTokenizer.CopyFrom(vocab);
    SyntheticModelSpec spec = SyntheticModelSpec.DeepseekV2Lite(layers, NativeInfer.Gguf.GgmlType.Q4_0) with { OutputType = NativeInfer.Gguf.GgmlType.Q6_K };
    return SyntheticModelCache.EnsureWritten(spec with { Name = spec.Name + "-vocab" }, cache, new SyntheticWriteOptions { Tokenizer = tokenizer });
}
