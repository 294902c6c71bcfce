namespace NativeInfer.Models.Synthetic;

/// <summary>What a tensor of a synthetic model is for, so a weight source can construct it or scale it.</summary>
public enum SyntheticTensorRole
{
    TokenEmbedding,
    Output,
    /// <summary>Every RMSNorm weight (layer norms, the final norm, MLA's latent norms).</summary>
    Norm,
    /// <summary>Projections into attention: q, k, v, q_a, q_b, kv_a, kv_b.</summary>
    AttentionInput,
    AttentionBias,
    /// <summary>o_proj: what attention adds to the residual stream.</summary>
    AttentionOutput,
    FfnGate,
    FfnUp,
    /// <summary>A dense MLP's down projection: what it adds to the residual stream.</summary>
    FfnDown,
    Router,
    /// <summary>DeepSeek-V3's per-expert selection bias (exp_probs_b, e_score_correction_bias).</summary>
    RouterBias,
    ExpertGate,
    ExpertUp,
    ExpertDown,
    SharedGate,
    SharedUp,
    SharedDown,
    /// <summary>Qwen2-MoE's shared-expert gate: one output, passed through a sigmoid.</summary>
    SharedExpertGate,
    /// <summary>A multi-token-prediction layer's own tensors (nextn.eh_proj ...): written, never run.</summary>
    NextN,
}
