using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// A synthetic Qwen3-MoE (GGUF <c>qwen3moe</c>) or, with no experts, dense Qwen3 (<c>qwen3</c>):
/// grouped-query attention without biases, per-head q/k RMSNorm (attn_q_norm / attn_k_norm) before NEOX
/// RoPE, a head width of its own (attention.key_length, not hidden / heads); every layer sparse — softmax
/// top-k renormalised, no shared expert — or a SwiGLU MLP of <see cref="Ffn"/>. Defaults are Qwen3-30B-A3B's widths.
/// </summary>
public sealed record Qwen3SyntheticSpec : SyntheticModelSpec
{
    public Qwen3SyntheticSpec()
    {
        Name = "synthetic-qwen3moe";
        ContextLength = 40960;
        RopeBase = 1000000f;
        Vocab = 151936;
        Layers = 48;
    }

    public override string Architecture => Experts > 0 ? "qwen3moe" : "qwen3";

    public int Heads { get; init; } = 32;
    public int KvHeads { get; init; } = 4;
    public int HeadDim { get; init; } = 128;
    public int Experts { get; init; } = 128;
    public int ExpertsPerToken { get; init; } = 8;
    public int ExpertFfn { get; init; } = 768;

    /// <summary>The dense MLP's width (dense Qwen3, <see cref="Experts"/> = 0).</summary>
    public int Ffn { get; init; } = 6144;

    /// <summary>A tiny Qwen3-MoE: hidden 256, 2 layers, 8 heads of 64 (not 256 / 8) over 2 KV heads, 16 experts of 256, top-4.</summary>
    public static Qwen3SyntheticSpec Tiny(int vocab) => new()
    {
        Name = "tiny-qwen3moe", Hidden = 256, Layers = 2, Vocab = vocab, Heads = 8, KvHeads = 2, HeadDim = 64, Experts = 16,
        ExpertsPerToken = 4, ExpertFfn = 256, ContextLength = 4096,
        WeightType = GgmlType.Q8_0, EmbeddingType = GgmlType.Q8_0, OutputType = GgmlType.Q8_0,
    };

    /// <summary>A tiny dense Qwen3: <see cref="Tiny"/>'s attention and an MLP of 512.</summary>
    public static Qwen3SyntheticSpec TinyDense(int vocab) => Tiny(vocab) with { Name = "tiny-qwen3", Experts = 0, Ffn = 512 };

    public override string Describe() =>
        $"hidden {Hidden}, {Layers} {(Experts > 0 ? "MoE" : "dense")} layers; GQA {Heads} heads of {HeadDim} over {KvHeads} KV heads, q/k norm; " +
        (Experts > 0 ? $"{Experts} experts of {ExpertFfn}, top-{ExpertsPerToken} renormalised" : $"MLP {Ffn}");

    public override void Validate()
    {
        base.Validate();
        Positive(Heads, nameof(Heads));
        Positive(KvHeads, nameof(KvHeads));
        Divides(KvHeads, Heads, nameof(KvHeads), nameof(Heads));
        Positive(HeadDim, nameof(HeadDim));
        if (HeadDim % 2 != 0) throw new SyntheticModelException($"{nameof(HeadDim)} is {HeadDim}; RoPE turns pairs, so it must be even");
        AtLeast(Experts, 0, nameof(Experts), "0 for dense Qwen3");
        if (Experts == 0)
        {
            Positive(Ffn, nameof(Ffn));
            return;
        }
        Positive(ExpertFfn, nameof(ExpertFfn));
        if (ExpertsPerToken < 1 || ExpertsPerToken > Experts)
            throw new SyntheticModelException($"{nameof(ExpertsPerToken)} is {ExpertsPerToken}; it must be between 1 and {nameof(Experts)} = {Experts}");
    }

    // Qwen3-MoE has no dense MLP and no shared expert: the demo's lookup table has nowhere to live there.
    internal override int FirstLayerFfnWidth => Experts > 0 ? 0 : Ffn;

    internal override bool FirstLayerIsDense => Experts == 0;

    internal override SyntheticModelSpec WithFirstLayerFfnWidth(int width) => Experts == 0 ? this with { Ffn = width }
        : throw new SyntheticModelException("the constructed demo keeps its lookup in a dense MLP or a shared expert, which qwen3moe has not: use random weights");

    internal override void AddMetadata(GgufWriter w)
    {
        string a = Architecture + ".";
        AddCommonMetadata(w, Experts > 0 ? ExpertFfn * ExpertsPerToken : Ffn);
        w.AddUInt32(a + "attention.head_count", (uint)Heads);
        w.AddUInt32(a + "attention.head_count_kv", (uint)KvHeads);
        w.AddUInt32(a + "attention.key_length", (uint)HeadDim);
        w.AddUInt32(a + "attention.value_length", (uint)HeadDim);
        if (Experts == 0) return;
        w.AddUInt32(a + "expert_count", (uint)Experts);
        w.AddUInt32(a + "expert_used_count", (uint)ExpertsPerToken);
        w.AddUInt32(a + "expert_feed_forward_length", (uint)ExpertFfn);
    }

    internal override void AddTensors(SyntheticTensorSink s)
    {
        AddEmbeddingAndHead(s);
        GgmlType t = WeightType;
        for (int l = 0; l < Layers; l++)
        {
            string b = $"blk.{l}.";
            AddGroupedQueryAttention(s, l, Heads, KvHeads, HeadDim, bias: false);
            s.Vector(b + "attn_q_norm.weight", SyntheticTensorRole.Norm, l, HeadDim);
            s.Vector(b + "attn_k_norm.weight", SyntheticTensorRole.Norm, l, HeadDim);
            if (Experts == 0)
            {
                s.Matrix(b + "ffn_gate.weight", SyntheticTensorRole.FfnGate, l, t, Hidden, Ffn);
                s.Matrix(b + "ffn_up.weight", SyntheticTensorRole.FfnUp, l, t, Hidden, Ffn);
                s.Matrix(b + "ffn_down.weight", SyntheticTensorRole.FfnDown, l, t, Ffn, Hidden);
                continue;
            }
            s.Matrix(b + "ffn_gate_inp.weight", SyntheticTensorRole.Router, l, GgmlType.F32, Hidden, Experts);
            s.Matrix(b + "ffn_gate_exps.weight", SyntheticTensorRole.ExpertGate, l, t, Hidden, ExpertFfn, Experts);
            s.Matrix(b + "ffn_up_exps.weight", SyntheticTensorRole.ExpertUp, l, t, Hidden, ExpertFfn, Experts);
            s.Matrix(b + "ffn_down_exps.weight", SyntheticTensorRole.ExpertDown, l, t, ExpertFfn, Hidden, Experts);
        }
    }
}
