namespace NativeInfer.Config;

/// <summary>Which attention a model uses.</summary>
public enum AttentionKind
{
    /// <summary>Multi-head / grouped-query attention with separate q, k, v projections (Llama, Qwen2).</summary>
    MultiHead,

    /// <summary>DeepSeek-V2 multi-head latent attention: a compressed KV latent plus a shared RoPE key.</summary>
    MultiHeadLatent,
}

/// <summary>Attention shape. MLA fields are meaningful only for <see cref="AttentionKind.MultiHeadLatent"/>.</summary>
public sealed record AttentionConfig
{
    public required AttentionKind Kind { get; init; }
    public required int NumHeads { get; init; }

    /// <summary>Key/value heads (GQA); equals <see cref="NumHeads"/> for MHA and MLA.</summary>
    public required int NumKvHeads { get; init; }

    /// <summary>Per-head q/k width for multi-head attention (q·k runs over this many values).</summary>
    public int HeadDim { get; init; }

    /// <summary>Per-head value width for multi-head attention (usually <see cref="HeadDim"/>).</summary>
    public int ValueHeadDim { get; init; }

    /// <summary>q, k and v projections carry biases (Qwen2).</summary>
    public bool QkvBias { get; init; }

    /// <summary>
    /// Every q and k head is RMS-normalised (weights of length <see cref="HeadDim"/>, shared by the heads)
    /// before RoPE (Qwen3: q_norm / k_norm, GGUF attn_q_norm / attn_k_norm).
    /// </summary>
    public bool QkNorm { get; init; }

    // ----- MLA (DeepSeek-V2)

    /// <summary>Rank of the low-rank query path (q_a → norm → q_b); null = one q projection.</summary>
    public int? QLoraRank { get; init; }

    /// <summary>Width r of the compressed KV latent c (the part of the cache shared by all heads).</summary>
    public int KvLoraRank { get; init; }

    /// <summary>d_n: per-head query/key width without RoPE.</summary>
    public int QkNopeHeadDim { get; init; }

    /// <summary>d_r: per-head RoPE width (the shared k_pe has this width too).</summary>
    public int QkRopeHeadDim { get; init; }

    /// <summary>d_v: per-head value width.</summary>
    public int VHeadDim { get; init; }

    /// <summary>Width of q·k: HeadDim for MHA, d_n + d_r for MLA (sets the 1/√d softmax scale).</summary>
    public int QkHeadDim => Kind == AttentionKind.MultiHeadLatent ? QkNopeHeadDim + QkRopeHeadDim : HeadDim;

    /// <summary>Values cached per token per layer: [c | k_pe] for MLA, K and V heads for MHA.</summary>
    public int CacheWidth => Kind == AttentionKind.MultiHeadLatent ? KvLoraRank + QkRopeHeadDim : NumKvHeads * (HeadDim + ValueHeadDim);

    internal void Validate(int hidden, Action<bool, string> require)
    {
        require(NumHeads > 0, $"head count must be > 0 (got {NumHeads})");
        require(NumKvHeads > 0 && NumHeads % NumKvHeads == 0, $"head count {NumHeads} must be a multiple of the KV head count {NumKvHeads}");
        if (Kind == AttentionKind.MultiHead)
        {
            require(HeadDim > 0, $"head dimension must be > 0 (got {HeadDim})");
            require(ValueHeadDim > 0, $"value head dimension must be > 0 (got {ValueHeadDim})");
        }
        else
        {
            require(KvLoraRank > 0, $"kv_lora_rank must be > 0 (got {KvLoraRank})");
            require(QkNopeHeadDim > 0 && QkRopeHeadDim > 0 && VHeadDim > 0,
                $"MLA head dims must be > 0 (nope {QkNopeHeadDim}, rope {QkRopeHeadDim}, v {VHeadDim})");
            require(QkRopeHeadDim % 2 == 0, $"qk_rope_head_dim must be even (got {QkRopeHeadDim})");
            require(QLoraRank is null or > 0, $"q_lora_rank must be > 0 when present (got {QLoraRank})");
        }
    }
}
