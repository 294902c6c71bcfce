using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// A synthetic Llama (GGUF <c>llama</c>): grouped-query attention without biases, RoPE on adjacent pairs,
/// a SwiGLU MLP in every layer — or, with <see cref="Experts"/>, Mixtral: every layer a sparse block of
/// experts as wide as the MLP (ffn_gate_inp, ffn_*_exps), softmax top-k renormalised. Head width = hidden / heads.
/// </summary>
public sealed record LlamaSyntheticSpec : SyntheticModelSpec
{
    public LlamaSyntheticSpec() => Name = "synthetic-llama";

    public override string Architecture => "llama";

    public int Heads { get; init; } = 32;
    public int KvHeads { get; init; } = 8;
    public int Ffn { get; init; } = 14336;

    /// <summary>Routed experts per layer (Mixtral); 0 = a dense Llama.</summary>
    public int Experts { get; init; }
    public int ExpertsPerToken { get; init; } = 2;

    public int HeadDim => Hidden / Heads;

    /// <summary>A tiny Llama: hidden 256, 2 layers, 8 heads of 32 over 2 KV heads, MLP 768.</summary>
    public static LlamaSyntheticSpec Tiny(int vocab) => new()
    {
        Name = "tiny-llama", Hidden = 256, Layers = 2, Vocab = vocab, Heads = 8, KvHeads = 2, Ffn = 768, ContextLength = 4096,
        WeightType = GgmlType.Q8_0, EmbeddingType = GgmlType.Q8_0, OutputType = GgmlType.Q8_0,
    };

    /// <summary>A tiny Mixtral: <see cref="Tiny"/>'s attention, 8 experts of 256, top-2.</summary>
    public static LlamaSyntheticSpec TinyMixtral(int vocab) => Tiny(vocab) with { Name = "tiny-mixtral", Ffn = 256, Experts = 8 };

    public override string Describe() => Experts == 0
        ? $"hidden {Hidden}, {Layers} dense layers; GQA {Heads} heads of {HeadDim} over {KvHeads} KV heads; MLP {Ffn}"
        : $"hidden {Hidden}, {Layers} MoE layers (Mixtral); GQA {Heads} heads of {HeadDim} over {KvHeads} KV heads; {Experts} experts of {Ffn}, top-{ExpertsPerToken}";

    public override void Validate()
    {
        base.Validate();
        Positive(Heads, nameof(Heads));
        Positive(KvHeads, nameof(KvHeads));
        Divides(Heads, Hidden, nameof(Heads), nameof(Hidden));
        Divides(KvHeads, Heads, nameof(KvHeads), nameof(Heads));
        if (HeadDim % 2 != 0) throw new SyntheticModelException($"the head width {nameof(Hidden)} / {nameof(Heads)} = {HeadDim} must be even for RoPE");
        Positive(Ffn, nameof(Ffn));
        AtLeast(Experts, 0, nameof(Experts), "0 for a dense Llama");
        if (Experts > 0 && (ExpertsPerToken < 1 || ExpertsPerToken > Experts))
            throw new SyntheticModelException($"{nameof(ExpertsPerToken)} is {ExpertsPerToken}; it must be between 1 and {nameof(Experts)} = {Experts}");
    }

    internal override int FirstLayerFfnWidth => Ffn;

    internal override bool FirstLayerIsDense => Experts == 0;

    internal override SyntheticModelSpec WithFirstLayerFfnWidth(int width) => Experts == 0 ? this with { Ffn = width }
        : throw new SyntheticModelException("the constructed demo keeps its lookup in a dense MLP or a shared expert, which Mixtral has not: use random weights");

    internal override void AddMetadata(GgufWriter w)
    {
        const string a = "llama.";
        AddCommonMetadata(w, Ffn);
        w.AddUInt32(a + "attention.head_count", (uint)Heads);
        w.AddUInt32(a + "attention.head_count_kv", (uint)KvHeads);
        w.AddUInt32(a + "rope.dimension_count", (uint)HeadDim);
        if (Experts == 0) return;
        w.AddUInt32(a + "expert_count", (uint)Experts);
        w.AddUInt32(a + "expert_used_count", (uint)ExpertsPerToken);
    }

    internal override void AddTensors(SyntheticTensorSink s)
    {
        AddEmbeddingAndHead(s);
        GgmlType t = WeightType;
        for (int l = 0; l < Layers; l++)
        {
            string b = $"blk.{l}.";
            AddGroupedQueryAttention(s, l, Heads, KvHeads, HeadDim, bias: false);
            if (Experts > 0)
            {
                s.Matrix(b + "ffn_gate_inp.weight", SyntheticTensorRole.Router, l, GgmlType.F32, Hidden, Experts);
                s.Matrix(b + "ffn_gate_exps.weight", SyntheticTensorRole.ExpertGate, l, t, Hidden, Ffn, Experts);
                s.Matrix(b + "ffn_up_exps.weight", SyntheticTensorRole.ExpertUp, l, t, Hidden, Ffn, Experts);
                s.Matrix(b + "ffn_down_exps.weight", SyntheticTensorRole.ExpertDown, l, t, Ffn, Hidden, Experts);
                continue;
            }
            s.Matrix(b + "ffn_gate.weight", SyntheticTensorRole.FfnGate, l, t, Hidden, Ffn);
            s.Matrix(b + "ffn_up.weight", SyntheticTensorRole.FfnUp, l, t, Hidden, Ffn);
            s.Matrix(b + "ffn_down.weight", SyntheticTensorRole.FfnDown, l, t, Ffn, Hidden);
        }
    }
}
