using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// A synthetic Qwen2-MoE (GGUF <c>qwen2moe</c>): grouped-query attention with biased q/k/v and NEOX RoPE;
/// every layer sparse, with routed experts and one shared expert scaled by sigmoid(ffn_gate_inp_shexp · x).
/// Head width = hidden / heads, as llama.cpp assumes when the file has no key_length.
/// </summary>
public sealed record Qwen2MoeSyntheticSpec : SyntheticModelSpec
{
    public Qwen2MoeSyntheticSpec()
    {
        Name = "synthetic-qwen2moe";
        ContextLength = 32768;
        RopeBase = 1000000f;
    }

    public override string Architecture => "qwen2moe";

    public int Heads { get; init; } = 16;
    public int KvHeads { get; init; } = 4;
    public int Experts { get; init; } = 64;
    public int ExpertsPerToken { get; init; } = 8;
    public int ExpertFfn { get; init; } = 2560;
    public int SharedFfn { get; init; } = 20480;

    public int HeadDim => Hidden / Heads;

    /// <summary>A tiny Qwen2-MoE: hidden 256, 2 layers, 8 heads of 32 over 4 KV heads, 8 experts of 256, top-2, shared expert 512.</summary>
    public static Qwen2MoeSyntheticSpec Tiny(int vocab) => new()
    {
        Name = "tiny-qwen2moe", Hidden = 256, Layers = 2, Vocab = vocab, Heads = 8, KvHeads = 4, Experts = 8, ExpertsPerToken = 2,
        ExpertFfn = 256, SharedFfn = 512, ContextLength = 4096,
        WeightType = GgmlType.Q8_0, EmbeddingType = GgmlType.Q8_0, OutputType = GgmlType.Q8_0,
    };

    public override string Describe() =>
        $"hidden {Hidden}, {Layers} MoE layers; GQA {Heads} heads of {HeadDim} over {KvHeads} KV heads, q/k/v bias; " +
        $"{Experts} experts of {ExpertFfn}, top-{ExpertsPerToken}, shared expert of {SharedFfn} with sigmoid gate";

    public override void Validate()
    {
        base.Validate();
        Positive(Heads, nameof(Heads));
        Positive(KvHeads, nameof(KvHeads));
        Divides(Heads, Hidden, nameof(Heads), nameof(Hidden));
        Divides(KvHeads, Heads, nameof(KvHeads), nameof(Heads));
        if (HeadDim % 2 != 0) throw new SyntheticModelException($"the head width {nameof(Hidden)} / {nameof(Heads)} = {HeadDim} must be even for RoPE");
        Positive(Experts, nameof(Experts));
        Positive(ExpertFfn, nameof(ExpertFfn));
        Positive(SharedFfn, nameof(SharedFfn));
        if (ExpertsPerToken < 1 || ExpertsPerToken > Experts)
            throw new SyntheticModelException($"{nameof(ExpertsPerToken)} is {ExpertsPerToken}; it must be between 1 and {nameof(Experts)} = {Experts}");
    }

    internal override int FirstLayerFfnWidth => SharedFfn;

    internal override bool FirstLayerIsDense => false;

    internal override SyntheticModelSpec WithFirstLayerFfnWidth(int width) => this with { SharedFfn = width };

    internal override void AddMetadata(GgufWriter w)
    {
        const string a = "qwen2moe.";
        AddCommonMetadata(w, ExpertFfn);
        w.AddUInt32(a + "attention.head_count", (uint)Heads);
        w.AddUInt32(a + "attention.head_count_kv", (uint)KvHeads);
        w.AddUInt32(a + "expert_count", (uint)Experts);
        w.AddUInt32(a + "expert_used_count", (uint)ExpertsPerToken);
        w.AddUInt32(a + "expert_feed_forward_length", (uint)ExpertFfn);
        w.AddUInt32(a + "expert_shared_feed_forward_length", (uint)SharedFfn);
    }

    internal override void AddTensors(SyntheticTensorSink s)
    {
        AddEmbeddingAndHead(s);
        GgmlType t = WeightType;
        for (int l = 0; l < Layers; l++)
        {
            string b = $"blk.{l}.";
            AddGroupedQueryAttention(s, l, Heads, KvHeads, HeadDim, bias: true);
            s.Matrix(b + "ffn_gate_inp.weight", SyntheticTensorRole.Router, l, GgmlType.F32, Hidden, Experts);
            s.Matrix(b + "ffn_gate_exps.weight", SyntheticTensorRole.ExpertGate, l, t, Hidden, ExpertFfn, Experts);
            s.Matrix(b + "ffn_up_exps.weight", SyntheticTensorRole.ExpertUp, l, t, Hidden, ExpertFfn, Experts);
            s.Matrix(b + "ffn_down_exps.weight", SyntheticTensorRole.ExpertDown, l, t, ExpertFfn, Hidden, Experts);
            s.Matrix(b + "ffn_gate_shexp.weight", SyntheticTensorRole.SharedGate, l, t, Hidden, SharedFfn);
            s.Matrix(b + "ffn_up_shexp.weight", SyntheticTensorRole.SharedUp, l, t, Hidden, SharedFfn);
            s.Matrix(b + "ffn_down_shexp.weight", SyntheticTensorRole.SharedDown, l, t, SharedFfn, Hidden);
            s.Vector(b + "ffn_gate_inp_shexp.weight", SyntheticTensorRole.SharedExpertGate, l, Hidden);
        }
    }
}
