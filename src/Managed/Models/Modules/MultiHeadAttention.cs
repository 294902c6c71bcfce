using NativeInfer.Config;

namespace NativeInfer.Models.Modules;

/// <summary>
/// Multi-head / grouped-query attention with q_proj, k_proj, v_proj (optionally biased), o_proj and a
/// rotary embedding (GGUF attn_q, attn_k, attn_v, attn_output); with <see cref="AttentionConfig.QkNorm"/>
/// also q_norm and k_norm, RMSNorms over one head applied to every q and k head before RoPE (Qwen3:
/// attn_q_norm, attn_k_norm).
/// </summary>
public abstract class MultiHeadAttention : Module
{
    protected MultiHeadAttention(string path, int layer, ModelConfig config, Func<string, RopeConfig, RotaryEmbedding> rope, NormFactory? norm = null)
        : base(path)
    {
        AttentionConfig a = config.Attention;
        string blk = $"blk.{layer}.";
        int hidden = config.HiddenSize;
        QProj = Add(new Linear(ChildPath("q_proj"), blk + "attn_q", hidden, a.NumHeads * a.HeadDim, a.QkvBias));
        KProj = Add(new Linear(ChildPath("k_proj"), blk + "attn_k", hidden, a.NumKvHeads * a.HeadDim, a.QkvBias));
        VProj = Add(new Linear(ChildPath("v_proj"), blk + "attn_v", hidden, a.NumKvHeads * a.ValueHeadDim, a.QkvBias));
        OProj = Add(new Linear(ChildPath("o_proj"), blk + "attn_output", a.NumHeads * a.ValueHeadDim, hidden));
        if (a.QkNorm)
        {
            if (norm is null) throw new ArgumentException($"{GetType().Name} has no q/k norm class, but the config asks for q/k norms", nameof(norm));
            QNorm = Add(norm(ChildPath("q_norm"), blk + "attn_q_norm", a.HeadDim, config.NormEps));
            KNorm = Add(norm(ChildPath("k_norm"), blk + "attn_k_norm", a.HeadDim, config.NormEps));
        }
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

    /// <summary>Per-head norms of q and k (Qwen3); null when the model has none.</summary>
    public RMSNorm? QNorm { get; }
    public RMSNorm? KNorm { get; }

    public RotaryEmbedding RotaryEmb { get; }
}

public sealed class Qwen2MoeAttention(string path, int layer, ModelConfig config)
    : MultiHeadAttention(path, layer, config, (p, r) => new Qwen2MoeRotaryEmbedding(p, r));

/// <summary>Qwen3-MoE attention: q/k norms; its rotary embedding is Qwen2MoeRotaryEmbedding, as in KTransformers' model code.</summary>
public sealed class Qwen3MoeAttention(string path, int layer, ModelConfig config)
    : MultiHeadAttention(path, layer, config, (p, r) => new Qwen2MoeRotaryEmbedding(p, r), (p, g, d, e) => new Qwen3MoeRMSNorm(p, g, d, e));

public sealed class Qwen3Attention(string path, int layer, ModelConfig config)
    : MultiHeadAttention(path, layer, config, (p, r) => new Qwen3RotaryEmbedding(p, r), (p, g, d, e) => new Qwen3RMSNorm(p, g, d, e));

public sealed class LlamaAttention(string path, int layer, ModelConfig config)
    : MultiHeadAttention(path, layer, config, (p, r) => new LlamaRotaryEmbedding(p, r));

public sealed class MixtralAttention(string path, int layer, ModelConfig config)
    : MultiHeadAttention(path, layer, config, (p, r) => new MixtralRotaryEmbedding(p, r));
