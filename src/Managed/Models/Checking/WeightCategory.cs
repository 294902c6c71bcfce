namespace NativeInfer.Models.Checking;

/// <summary>What part of the model a weight belongs to; decides how much of it one decode step reads.</summary>
public enum WeightCategory
{
    /// <summary>token_embd: one row per token.</summary>
    Embedding,

    /// <summary>Projections (and their biases) inside a self_attn module.</summary>
    Attention,

    /// <summary>RMSNorm weights.</summary>
    Norm,

    /// <summary>A dense MLP (every layer of a dense model; leading dense layers of a MoE model).</summary>
    DenseMlp,

    /// <summary>MoE routers and the Qwen2-MoE shared-expert gate.</summary>
    Router,

    /// <summary>Shared experts (always run).</summary>
    SharedExperts,

    /// <summary>Routed experts: k of E per token.</summary>
    RoutedExperts,

    /// <summary>The output projection (the embedding table when tied).</summary>
    LmHead,

    /// <summary>Anything a user definition adds that fits none of the above (read in full).</summary>
    Other,
}
