using System.Diagnostics;
using System.Numerics.Tensors;
using LLama;
using LLama.Common;
using LLama.Native;

namespace NativeInfer.PeerBench;

/// <summary>
/// LLamaSharp 0.30 (llama.cpp of 2026, its AVX-512 CPU build) through its batch API, as a .NET user drives
/// it: the prompt in one llama_decode with logits for the last token only, then one token per call.
/// "defaults" sets only what a user must (path, threads, context); "tuned" also turns flash attention on
/// and sizes the batch to the prompt.
/// </summary>
internal sealed class LLamaSharpEngine : IBenchEngine
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    public LLamaSharpEngine(string path, PeerBenchOptions o)
    {
        var p = new ModelParams(path) { ContextSize = (uint)(o.PromptTokens + o.DecodeTokens), Threads = o.Threads, BatchThreads = o.Threads, GpuLayerCount = 0 };
        if (o.PeerSettings == "tuned")
        {
            p.FlashAttention = true;
            p.BatchSize = (uint)Math.Max(512, o.PromptTokens);
            p.UBatchSize = (uint)Math.Max(512, o.PromptTokens);
        }
        _weights = LLamaWeights.LoadFromFile(p);
        _context = _weights.CreateContext(p);
        Settings = $"{o.Threads} threads, {o.PeerSettings} ({(o.PeerSettings == "tuned" ? "flash attention on, batch = ubatch = " + p.BatchSize : "ModelParams defaults: batch " + p.BatchSize + ", ubatch " + p.UBatchSize + ", flash attention auto")})";
    }

    public string Name => "LLamaSharp";
    public string Settings { get; }

    public EngineRun Run(int round, int[] prompt, int decodeTokens)
    {
        _context.NativeHandle.MemoryClear(true);
        _batch.Clear();
        for (int i = 0; i < prompt.Length; i++) _batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Length - 1);
        long start = Stopwatch.GetTimestamp();
        Check(_context.NativeHandle.Decode(_batch));
        _context.NativeHandle.Synchronize();
        double prefill = Stopwatch.GetElapsedTime(start).TotalSeconds;
        int last = _batch.TokenCount - 1;
        var steps = new double[decodeTokens];
        for (int i = 0; i < decodeTokens; i++)
        {
            int next = TensorPrimitives.IndexOfMax((ReadOnlySpan<float>)_context.NativeHandle.GetLogitsIth(last));
            _batch.Clear();
            _batch.Add(next, prompt.Length + i, LLamaSeqId.Zero, true);
            last = 0;
            start = Stopwatch.GetTimestamp();
            Check(_context.NativeHandle.Decode(_batch));
            _context.NativeHandle.Synchronize();
            steps[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return new EngineRun(Name, round, prefill, steps);
    }

    private static void Check(DecodeResult r)
    {
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {r}");
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
