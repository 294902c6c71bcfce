using NativeInfer.Config;

namespace NativeInfer.Models.Modules;

/// <summary>
/// Multi-head latent attention (DeepSeek-V2 and V3). Children (HF names → GGUF):
/// q_proj (attn_q) or q_a_proj (attn_q_a) → q_a_layernorm (attn_q_a_norm) → q_b_proj (attn_q_b);
/// kv_a_proj_with_mqa (attn_kv_a_mqa) → [c | k_pe]; kv_a_layernorm (attn_kv_a_norm) on c;
/// kv_b_proj (attn_kv_b, or split attn_k_b + attn_v_b); o_proj (attn_output); rotary_emb.
/// Subclasses carry each version's class names.
/// </summary>
public abstract class LatentAttention : Module
{
    protected LatentAttention(string path, int layer, ModelConfig config, NormFactory norm, Func<string, RopeConfig, RotaryEmbedding> rope) : base(path)
    {
        AttentionConfig a = config.Attention;
        string blk = $"blk.{layer}.";
        int hidden = config.HiddenSize, heads = a.NumHeads, qHead = a.QkNopeHeadDim + a.QkRopeHeadDim;
        if (a.QLoraRank is int qr)
        {
            QAProj = Add(new Linear(ChildPath("q_a_proj"), blk + "attn_q_a", hidden, qr));
            QALayerNorm = Add(norm(ChildPath("q_a_layernorm"), blk + "attn_q_a_norm", qr, config.NormEps));
            QBProj = Add(new Linear(ChildPath("q_b_proj"), blk + "attn_q_b", qr, heads * qHead));
        }
        else
        {
            QProj = Add(new Linear(ChildPath("q_proj"), blk + "attn_q", hidden, heads * qHead));
        }
        KvAProjWithMqa = Add(new Linear(ChildPath("kv_a_proj_with_mqa"), blk + "attn_kv_a_mqa", hidden, a.KvLoraRank + a.QkRopeHeadDim));
        KvALayerNorm = Add(norm(ChildPath("kv_a_layernorm"), blk + "attn_kv_a_norm", a.KvLoraRank, config.NormEps));
        KvBProj = Add(new KvBProjection(ChildPath("kv_b_proj"), blk, a));
        OProj = Add(new Linear(ChildPath("o_proj"), blk + "attn_output", heads * a.VHeadDim, hidden));
        RotaryEmb = Add(rope(ChildPath("rotary_emb"), config.Rope));
        Layer = layer;
        Config = a;
    }

    public int Layer { get; }
    public AttentionConfig Config { get; }
    public Linear? QProj { get; }
    public Linear? QAProj { get; }
    public RMSNorm? QALayerNorm { get; }
    public Linear? QBProj { get; }
    public Linear KvAProjWithMqa { get; }
    public RMSNorm KvALayerNorm { get; }
    public KvBProjection KvBProj { get; }
    public Linear OProj { get; }
    public RotaryEmbedding RotaryEmb { get; }
}

public sealed class DeepseekV2Attention(string path, int layer, ModelConfig config) : LatentAttention(path, layer, config,
    (p, g, d, e) => new DeepseekV2RMSNorm(p, g, d, e),
    (p, r) => r.Scaling is { Type: RopeScalingType.Yarn } ? new DeepseekV2YarnRotaryEmbedding(p, r) : new DeepseekV2RotaryEmbedding(p, r));

public sealed class DeepseekV3Attention(string path, int layer, ModelConfig config) : LatentAttention(path, layer, config,
    (p, g, d, e) => new DeepseekV3RMSNorm(p, g, d, e),
    (p, r) => r.Scaling is { Type: RopeScalingType.Yarn } ? new DeepseekV3YarnRotaryEmbedding(p, r) : new DeepseekV3RotaryEmbedding(p, r));

/// <summary>
/// kv_b_proj: W [H·(d_n + d_v)][r], per head the d_n rows of W_UK then the d_v rows of W_UV
/// (GGUF attn_kv_b, ne = {r, H·(d_n+d_v)}). llama.cpp's converter may instead write it split:
/// attn_k_b ne = {d_n, r, H} (W_UK transposed per head) and attn_v_b ne = {r, d_v, H}.
/// A Linear for rule matching (KTransformers rules name it), with the split layout as an alternative.
/// </summary>
public sealed class KvBProjection : Linear
{
    public KvBProjection(string path, string blk, AttentionConfig a)
        : base(path, blk + "attn_kv_b", a.KvLoraRank, a.NumHeads * (a.QkNopeHeadDim + a.VHeadDim))
    {
        TensorSpec combined = base.Weights[0];
        Weights =
        [
            combined with
            {
                Alternatives =
                [
                    [
                        new TensorSpec("k_b", blk + "attn_k_b.weight", [a.QkNopeHeadDim, a.KvLoraRank, a.NumHeads]),
                        new TensorSpec("v_b", blk + "attn_v_b.weight", [a.KvLoraRank, a.VHeadDim, a.NumHeads]),
                    ],
                ],
            },
        ];
    }

    public override IReadOnlyList<TensorSpec> Weights { get; }
}
