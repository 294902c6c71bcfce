using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// A synthetic dense Llama (GGUF <c>llama</c>): grouped-query attention without biases, RoPE on adjacent
/// pairs, a SwiGLU MLP in every layer. Head width = hidden / heads.
/// </summary>
public sealed record LlamaSyntheticSpec : SyntheticModelSpec
{
    public LlamaSyntheticSpec() => Name = "synthetic-llama";

    public override string Architecture => "llama";

    public int Heads { get; init; } = 32;
    public int KvHeads { get; init; } = 8;
    public int Ffn { get; init; } = 14336;

    public int HeadDim => Hidden / Heads;

    /// <summary>A tiny Llama: hidden 256, 2 layers, 8 heads of 32 over 2 KV heads, MLP 768.</summary>
    public static LlamaSyntheticSpec Tiny(int vocab) => new()
    {
        Name = "tiny-llama", Hidden = 256, Layers = 2, Vocab = vocab, Heads = 8, KvHeads = 2, Ffn = 768, ContextLength = 4096,
        WeightType = GgmlType.Q8_0, EmbeddingType = GgmlType.Q8_0, OutputType = GgmlType.Q8_0,
    };

    public override string Describe() =>
        $"hidden {Hidden}, {Layers} dense layers; GQA {Heads} heads of {HeadDim} over {KvHeads} KV heads; MLP {Ffn}";

    public override void Validate()
    {
        base.Validate();
        Positive(Heads, nameof(Heads));
        Positive(KvHeads, nameof(KvHeads));
        Divides(Heads, Hidden, nameof(Heads), nameof(Hidden));
        Divides(KvHeads, Heads, nameof(KvHeads), nameof(Heads));
        if (HeadDim % 2 != 0) throw new SyntheticModelException($"the head width {nameof(Hidden)} / {nameof(Heads)} = {HeadDim} must be even for RoPE");
        Positive(Ffn, nameof(Ffn));
    }

    internal override int FirstLayerFfnWidth => Ffn;

    internal override bool FirstLayerIsDense => true;

    internal override SyntheticModelSpec WithFirstLayerFfnWidth(int width) => this with { Ffn = width };

    internal override void AddMetadata(GgufWriter w)
    {
        const string a = "llama.";
        AddCommonMetadata(w, Ffn);
        w.AddUInt32(a + "attention.head_count", (uint)Heads);
        w.AddUInt32(a + "attention.head_count_kv", (uint)KvHeads);
        w.AddUInt32(a + "rope.dimension_count", (uint)HeadDim);
    }

    internal override void AddTensors(SyntheticTensorSink s)
    {
        AddEmbeddingAndHead(s);
        GgmlType t = WeightType;
        for (int l = 0; l < Layers; l++)
        {
            string b = $"blk.{l}.";
            AddGroupedQueryAttention(s, l, Heads, KvHeads, HeadDim, bias: false);
            s.Matrix(b + "ffn_gate.weight", SyntheticTensorRole.FfnGate, l, t, Hidden, Ffn);
            s.Matrix(b + "ffn_up.weight", SyntheticTensorRole.FfnUp, l, t, Hidden, Ffn);
            s.Matrix(b + "ffn_down.weight", SyntheticTensorRole.FfnDown, l, t, Ffn, Hidden);
        }
    }
}
