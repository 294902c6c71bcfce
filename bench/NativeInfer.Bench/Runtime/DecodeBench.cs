using BenchmarkDotNet.Attributes;
using NativeInfer.Bench.Support;
using NativeInfer.Gguf;
using NativeInfer.Injection;
using NativeInfer.Interop;
using NativeInfer.Runtime;

namespace NativeInfer.Bench.Runtime;

/// <summary>One runtime case: weight type and whether prefill stays in the absorbed (latent) form.</summary>
public sealed record RuntimeCase(GgmlType Type, bool AbsorbForPrefill) : IBenchCase
{
    public override string ToString() => $"{Type.Name()} V2-Lite {DecodeBench.Layers}L {(AbsorbForPrefill ? "absorbed" : "expanded")} prefill";
    public string? Related(string relation) => null;
}

/// <summary>
/// End to end on a DeepSeek-V2-Lite-shaped model at full widths (hidden 2048, 16 heads, kv_lora 512,
/// 64 experts of 1408, top-6, 2 shared; 1 dense + 5 MoE layers; written by SyntheticModelWriter):
/// one decode step after a 64-token prompt (the context is rewound every 256 steps so it stays short),
/// reported against the roofline = read bandwidth ÷ weight bytes one step reads, both measured in the
/// same run; allocations per step (MemoryDiagnoser, must be 0); and a 128-token prefill.
/// </summary>
[Config(typeof(KernelBenchConfig))]
public unsafe class DecodeBench
{
    public const int Layers = 6;
    private const int Prompt = 64;

    public static IEnumerable<RuntimeCase> Cases() =>
        [new(GgmlType.Q4_0, false), new(GgmlType.Q4_0, true), new(GgmlType.Q8_0, false)];

    [ParamsSource(nameof(Cases))]
    public RuntimeCase Case { get; set; } = null!;

    private InferenceModel _model = null!;
    private InferenceSession _session = null!;
    private float[] _logits = null!;
    private int[] _prompt = null!, _next = new int[1];
    private int _step;

    [GlobalSetup]
    public void Setup()
    {
        string path = SyntheticModels.DeepseekV2Lite(Layers, Case.Type);
        IReadOnlyList<InjectionRule> rules = RuleFile.Parse(
            $"- match: {{ name: \"^model\\\\.layers\\\\..*\\\\.self_attn$\" }}\n  replace: {{ class: KDeepseekV2Attention, kwargs: {{ absorb_for_prefill: {Case.AbsorbForPrefill.ToString().ToLowerInvariant()} }} }}\n",
            "bench.yaml");
        _model = InferenceModel.Load(path, new ModelOptions { Rules = rules });
        _session = _model.CreateSession(new SessionOptions { ContextLength = 512 });
        _logits = new float[_session.VocabSize * 128];
        var random = new Random(9);
        _prompt = Enumerable.Range(0, 128).Select(_ => random.Next(_session.VocabSize)).ToArray();
        _session.Forward(_prompt.AsSpan(0, Prompt), _logits);
        for (int i = 0; i < 8; i++) DecodeStep();  // warm: scratch at its steady size
        double bandwidth = Bandwidth.Measure(_session.Pool);
        long bytes = _model.DecodeBytesPerToken;
        CaseFacts.Register(CaseFacts.Key(nameof(DecodeBench), nameof(DecodeStep), Case),
            new CaseFacts(bytes, 0, bandwidth, IsDecode: true) { Tokens = 1 });
        CaseFacts.Register(CaseFacts.Key(nameof(DecodeBench), nameof(Prefill128), Case),
            new CaseFacts(0, 0, bandwidth, IsDecode: false) { Tokens = _prompt.Length });
        Console.WriteLine($"// {Case}: {bytes / 1e6:0.0} MB of weights per decode step, read bandwidth {bandwidth / 1e9:0.0} GB/s, " +
                          $"roofline {bandwidth / bytes:0.0} tokens/s");
    }

    /// <summary>One token: the decode step a serving loop repeats.</summary>
    [Benchmark]
    public void DecodeStep()
    {
        if (_session.Length >= Prompt + 256) _session.Truncate(Prompt);
        _next[0] = (_step++ * 7919) % _session.VocabSize;
        _session.Forward(_next, _logits);
    }

    /// <summary>A 128-token prompt from an empty cache, in one batch.</summary>
    [Benchmark]
    public void Prefill128()
    {
        _session.Reset();
        _session.Forward(_prompt, _logits);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _model.Dispose();
    }
}
