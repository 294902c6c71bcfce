using System.Diagnostics;
using System.Numerics.Tensors;
using NativeInfer.Runtime;

namespace NativeInfer.PeerBench;

/// <summary>NativeInfer through its session API, as a service embeds it.</summary>
internal sealed class NativeInferEngine : IBenchEngine
{
    private readonly InferenceModel _model;
    private readonly InferenceSession _session;
    private readonly float[] _logits;

    public NativeInferEngine(string path, PeerBenchOptions o)
    {
        _model = InferenceModel.Load(path, new ModelOptions { RulesPath = o.Rules });
        _session = _model.CreateSession(new SessionOptions
        {
            Threads = o.Threads, ContextLength = o.PromptTokens + o.DecodeTokens, MaxBatchTokens = Math.Max(512, o.PromptTokens),
        });
        _logits = new float[_session.VocabSize];
        Settings = $"{o.Threads} threads, ISA {_session.Pool.Isa}, rules {o.Rules ?? "(built-in defaults)"}";
    }

    public string Name => "NativeInfer";
    public string Settings { get; }

    public EngineRun Run(int round, int[] prompt, int decodeTokens)
    {
        _session.Reset();
        long start = Stopwatch.GetTimestamp();
        _session.Forward(prompt, _logits);
        double prefill = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var steps = new double[decodeTokens];
        int[] next = new int[1];
        for (int i = 0; i < decodeTokens; i++)
        {
            next[0] = TensorPrimitives.IndexOfMax(_logits);
            start = Stopwatch.GetTimestamp();
            _session.Forward(next, _logits);
            steps[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return new EngineRun(Name, round, prefill, steps);
    }

    public void Dispose()
    {
        _session.Dispose();
        _model.Dispose();
    }
}
