namespace NativeInfer.Config;

/// <summary>How a router picks experts.</summary>
public enum RoutingMethod
{
    /// <summary>Top-k over all experts.</summary>
    Greedy,

    /// <summary>DeepSeek-V2: score each of n_group groups by its best expert, keep topk_group groups, top-k within them.</summary>
    GroupLimitedGreedy,
}

/// <summary>Router score function.</summary>
public enum ScoringFunction
{
    Softmax,
    Sigmoid,
}

/// <summary>How shared experts join the routed output.</summary>
public enum SharedExpertGate
{
    /// <summary>Added as is (DeepSeek-V2).</summary>
    None,

    /// <summary>Scaled by sigmoid(w_gate · x) (Qwen2-MoE).</summary>
    Sigmoid,
}

public sealed record MoeConfig
{
    public required int NumExperts { get; init; }
    public required int ExpertsPerToken { get; init; }
    public required int ExpertIntermediateSize { get; init; }
    public int NumSharedExperts { get; init; }

    /// <summary>Width of the shared expert block (all shared experts fused, as GGUF stores them).</summary>
    public int SharedIntermediateSize { get; init; }

    public SharedExpertGate SharedGate { get; init; } = SharedExpertGate.None;

    /// <summary>first_k_dense_replace: layers below this use the dense MLP.</summary>
    public int LeadingDenseBlocks { get; init; }

    /// <summary>moe_layer_freq: a layer past the leading dense ones is MoE iff layer % freq == 0.</summary>
    public int LayerFrequency { get; init; } = 1;

    public RoutingMethod Routing { get; init; } = RoutingMethod.Greedy;
    public int NumGroups { get; init; } = 1;
    public int TopKGroups { get; init; } = 1;
    public ScoringFunction Scoring { get; init; } = ScoringFunction.Softmax;

    /// <summary>Renormalize the k selected weights to sum to 1 (when k > 1).</summary>
    public bool NormalizeTopKProbabilities { get; init; }

    /// <summary>Multiplies routed weights when they are not renormalized (DeepSeek's routed_scaling_factor).</summary>
    public float RoutedScalingFactor { get; init; } = 1f;

    internal void Validate(int layers, Action<bool, string> require)
    {
        require(NumExperts > 0, $"expert count must be > 0 (got {NumExperts})");
        require(ExpertsPerToken > 0 && ExpertsPerToken <= NumExperts, $"experts per token must be in [1, {NumExperts}] (got {ExpertsPerToken})");
        require(ExpertIntermediateSize > 0, $"expert width must be > 0 (got {ExpertIntermediateSize})");
        require(NumSharedExperts >= 0, $"shared expert count must be ≥ 0 (got {NumSharedExperts})");
        require(NumSharedExperts == 0 || SharedIntermediateSize > 0, "shared experts need a width");
        require(LeadingDenseBlocks >= 0 && LeadingDenseBlocks <= layers, $"leading dense blocks must be in [0, {layers}] (got {LeadingDenseBlocks})");
        require(LayerFrequency >= 1, $"MoE layer frequency must be ≥ 1 (got {LayerFrequency})");
        if (Routing == RoutingMethod.GroupLimitedGreedy)
        {
            require(NumGroups > 0 && NumExperts % NumGroups == 0, $"expert count {NumExperts} must split into {NumGroups} groups");
            require(TopKGroups > 0 && TopKGroups <= NumGroups, $"topk_group must be in [1, {NumGroups}] (got {TopKGroups})");
            require(ExpertsPerToken <= TopKGroups * (NumExperts / NumGroups),
                $"top-{ExpertsPerToken} cannot be taken from {TopKGroups} groups of {NumExperts / NumGroups}");
        }
        require(RoutedScalingFactor is > 0 and <= 1000, $"routed scaling factor must be in (0, 1000] (got {RoutedScalingFactor})");
    }
}
