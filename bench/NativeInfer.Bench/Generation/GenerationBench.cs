using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using NativeInfer.Bench.Runtime;
using NativeInfer.Bench.Support;
using NativeInfer.Generation;
using NativeInfer.Generation.Sampling;
using NativeInfer.Gguf;
using NativeInfer.Runtime;

namespace NativeInfer.Bench.Generation;

/// <summary>
/// The public generation API end to end on the DeepSeek-V2-Lite-shaped synthetic model (full widths, 6 layers,
/// Q4_0; <see cref="SyntheticModels"/>) with a synthetic 102,400-token vocabulary, llama.cpp's default sampling
/// (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8) with a seed, EOS ignored:
/// <list type="bullet">
/// <item><see cref="Decode256"/>: 256 tokens after a cached 64-token prompt, streamed with <c>await foreach</c>; every
/// step timed for the p50/p99 columns; tokens/s and the fraction of the roofline use the mean.</item>
/// <item><see cref="TimeToFirstToken"/>: a 128-token prompt from an empty cache to the first streamed token.</item>
/// <item><see cref="DecodeStep"/>: one MoveNextAsync of a long-running stream — the allocation column is per decode step (must be 0 B).</item>
/// <item><see cref="RuntimeStep"/>: the baseline — one <c>InferenceSession.Forward</c> of one token on the same model, no sampling,
/// no decoding: <see cref="DecodeStep"/> minus this is what the generation layer adds per token.</item>
/// <item><see cref="SampleDefault"/>, <see cref="SampleTopPOnly"/>: the sampler alone on the model's real logits (102,400 of
/// them) — the part of that difference that does not depend on memory bandwidth, so it is stable on a shared machine.</item>
/// </list>
/// </summary>
[Config(typeof(GenerationBenchConfig))]
public class GenerationBench
{
    public const int Layers = 6;

    /// <summary>Actual iterations of <see cref="GenerationBenchConfig"/>: the percentiles use the steps of that many last operations.</summary>
    public const int MeasuredIterations = 5;
    private const int Prompt = 64, Tokens = 256;

    private LanguageModel _model = null!;
    private GenerationSession _session = null!, _stepSession = null!;
    private int[] _prompt = null!, _longPrompt = null!;
    private GenerationOptions _options = null!;
    private IAsyncEnumerator<GeneratedToken> _steps = null!;
    private InferenceSession _raw = null!;
    private float[] _rawLogits = null!;
    private readonly int[] _rawToken = new int[1];
    private int _rawStep;
    private float[] _savedLogits = null!, _work = null!;
    private readonly Sampler _sampler = new(102400);
    private Xoshiro256StarStar _random = new(1);
    private static double? s_bandwidth;
    private static readonly SamplingOptions TopPOnly = SamplingOptions.Default with { TopK = 0 };
    private readonly double[] _stepSeconds = new double[Tokens];
    private string _decodeKey = "";

    [GlobalSetup]
    public void Setup()
    {
        string path = SyntheticModels.DeepseekV2Lite(Layers, GgmlType.Q4_0);
        InferenceModel inference = InferenceModel.Load(path);
        _model = LanguageModel.Create(inference, SyntheticVocabulary.Create(inference.Config.VocabSize), new LanguageModelOptions
        {
            Session = new GenerationSessionOptions { ContextLength = 4096 },
        }, "synthetic V2-Lite 6L Q4_0");
        _session = _model.CreateSession();
        var random = new Random(5);
        _longPrompt = [1, .. Enumerable.Range(0, 127).Select(_ => random.Next(300, _model.Config.VocabSize))];
        _prompt = _longPrompt[..Prompt];
        _options = new GenerationOptions { Sampling = SamplingOptions.Default with { Seed = 1 }, MaxTokens = Tokens, StopAtEndOfGeneration = false };

        _raw = _model.Model.CreateSession(new SessionOptions { ContextLength = 4096 });
        _rawLogits = new float[_raw.VocabSize];
        _raw.Forward(_prompt, _rawLogits);
        _savedLogits = (float[])_rawLogits.Clone();
        _work = new float[_savedLogits.Length];

        // The step stream: started once, warmed, then advanced one token per DecodeStep invocation.
        _stepSession = _model.CreateSession();
        StartSteps();

        // Measured once per process: every case's setup runs this, and every row should use the same figure.
        double bandwidth = s_bandwidth ??= Bandwidth.Measure(_session.Inference.Pool);
        long bytes = _model.Model.DecodeBytesPerToken;
        _decodeKey = CaseFacts.Key(nameof(GenerationBench), nameof(Decode256));
        CaseFacts.Register(_decodeKey, new CaseFacts(bytes * (double)Tokens, 0, bandwidth, IsDecode: true) { Tokens = Tokens });
        CaseFacts.Register(CaseFacts.Key(nameof(GenerationBench), nameof(DecodeStep)), new CaseFacts(bytes, 0, bandwidth, IsDecode: true) { Tokens = 1 });
        CaseFacts.Register(CaseFacts.Key(nameof(GenerationBench), nameof(RuntimeStep)), new CaseFacts(bytes, 0, bandwidth, IsDecode: true) { Tokens = 1 });
        Console.WriteLine($"// {_model.Name}: {bytes / 1e6:0.0} MB of weights per decode step, read bandwidth {bandwidth / 1e9:0.0} GB/s, " +
                          $"roofline {bandwidth / bytes:0.0} tokens/s");
    }

    private void StartSteps()
    {
        _stepSession.SetContext(_prompt);
        var endless = _options with { MaxTokens = null };
        _steps = _stepSession.GenerateAsync(ReadOnlyMemory<int>.Empty, endless).GetAsyncEnumerator();
        for (int i = 0; i < 8; i++) _steps.MoveNextAsync().AsTask().Wait();
    }

    /// <summary>256 streamed tokens (each one decode step and one sample), every step timed.</summary>
    [Benchmark]
    public async Task<int> Decode256()
    {
        // Back to the prompt, which stays cached: the first step re-evaluates its last token, a decode step like the others.
        _session.SetContext(_prompt);
        int chars = 0, i = 0;
        long last = Stopwatch.GetTimestamp();
        await foreach (GeneratedToken t in _session.ContinueAsync(_options))
        {
            long now = Stopwatch.GetTimestamp();
            _stepSeconds[i++] = Stopwatch.GetElapsedTime(last, now).TotalSeconds;
            last = now;
            chars += t.Text.Length;
        }
        StepLatencies.Add(_decodeKey, _stepSeconds.AsSpan(0, i), keep: MeasuredIterations * Tokens);
        return chars;
    }

    /// <summary>A 128-token prompt from an empty cache to the first token.</summary>
    [Benchmark]
    public async Task<int> TimeToFirstToken()
    {
        _session.Reset();
        await using IAsyncEnumerator<GeneratedToken> e = _session.GenerateAsync(_longPrompt, _options).GetAsyncEnumerator();
        await e.MoveNextAsync();
        return e.Current.TokenId;
    }

    /// <summary>One decode step through the public streaming API (IAsyncEnumerator.MoveNextAsync).</summary>
    [Benchmark]
    public int DecodeStep()
    {
        ValueTask<bool> next = _steps.MoveNextAsync();
        if (!next.Result || _steps.Current.IsLast) // the context is full: rewind (not reached in a normal run)
        {
            _steps.DisposeAsync().AsTask().Wait();
            StartSteps();
        }
        return _steps.Current.Text.Length;
    }

    /// <summary>Baseline: one token through the runtime alone (the context rewound every 256 tokens, as in DecodeBench).</summary>
    [Benchmark]
    public void RuntimeStep()
    {
        if (_raw.Length >= Prompt + Tokens) _raw.Truncate(Prompt);
        _rawToken[0] = 300 + (_rawStep++ * 7919) % (_raw.VocabSize - 300);
        _raw.Forward(_rawToken, _rawLogits);
    }

    /// <summary>The sampler with llama.cpp's defaults (top-k 40 first) on one step's logits.</summary>
    [Benchmark]
    public int SampleDefault()
    {
        _savedLogits.CopyTo(_work, 0);
        return _sampler.Sample(_work, _prompt, 0, _options.Sampling, [], ref _random);
    }

    /// <summary>Top-p 0.95 with no top-k: the sampler sorts only the prefix top-p can keep.</summary>
    [Benchmark]
    public int SampleTopPOnly()
    {
        _savedLogits.CopyTo(_work, 0);
        return _sampler.Sample(_work, _prompt, 0, TopPOnly, [], ref _random);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// per-token step times over {StepLatencies.Count(_decodeKey)} steps: p50 {StepLatencies.Percentile(_decodeKey, 0.5) * 1e3:0.00} ms, " +
                          $"p99 {StepLatencies.Percentile(_decodeKey, 0.99) * 1e3:0.00} ms");
        _steps.DisposeAsync().AsTask().Wait();
        _stepSession.Dispose();
        _raw.Dispose();
        _session.Dispose();
        _model.Dispose();
    }
}
