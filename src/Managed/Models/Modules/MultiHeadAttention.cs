using NativeInfer.Config;

namespace NativeInfer.Models.Modules;

/// <summary>
/// Multi-head / grouped-query attention with q_proj, k_proj, v_proj (optionally biased), o_proj and a
/// rotary embedding (GGUF attn_q, attn_k, attn_v, attn_output).
/// </summary>
public abstract class MultiHeadAttention : Module
{
    protected MultiHeadAttention(string path, int layer, ModelConfig config, Func<string, RopeConfig, RotaryEmbedding> rope) : base(path)
    {
        AttentionConfig a = config.Attention;
        string blk = $"blk.{layer}.";
        int hidden = config.HiddenSize;
        QProj = Add(new Linear(ChildPath("q_proj"), blk + "attn_q", hidden, a.NumHeads * a.HeadDim, a.QkvBias));
        KProj = Add(new Linear(ChildPath("k_proj"), blk + "attn_k", hidden, a.NumKvHeads * a.HeadDim, a.QkvBias));
        VProj = Add(new Linear(ChildPath("v_proj"), blk + "attn_v", hidden, a.NumKvHeads * a.ValueHeadDim, a.QkvBias));
        OProj = Add(new Linear(ChildPath("o_proj"), blk + "attn_output", a.NumHeads * a.ValueHeadDim, hidden));
        RotaryEmb = Add(rope(ChildPath("rotary_emb"), config.Rope));
        Layer = layer;
        Config = a;
    }

    public int Layer { get; }
    public AttentionConfig Config { get; }
    public Linear QProj { get; }
    public Linear KProj { get; }
    public Linear VProj { get; }
    public Linear OProj { get; }
    public RotaryEmbedding RotaryEmb { get; }
}

public sealed class Qwen2MoeAttention(string path, int layer, ModelConfig config)
    : MultiHeadAttention(path, layer, config, (p, r) => new Qwen2MoeRotaryEmbedding(p, r));

public sealed class LlamaAttention(string path, int layer, ModelConfig config)
    : MultiHeadAttention(path, layer, config, (p, r) => new LlamaRotaryEmbedding(p, r));
