namespace NativeInfer.Config;

/// <summary>How a router picks experts.</summary>
public enum RoutingMethod
{
    /// <summary>Top-k over all experts.</summary>
    Greedy,

    /// <summary>DeepSeek-V2: score each of n_group groups by its best expert, keep topk_group groups, top-k within them.</summary>
    GroupLimitedGreedy,

    /// <summary>
    /// DeepSeek-V3 (<c>topk_method: noaux_tc</c>): score each of n_group groups by the sum of its two best
    /// selection scores (score + e_score_correction_bias), keep topk_group groups, top-k within them.
    /// With one group it is plain top-k over the selection scores.
    /// </summary>
    NoAuxTopKGroups,
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

    /// <summary>
    /// Experts are selected by score + a per-expert bias (DeepSeek-V3's e_score_correction_bias, GGUF
    /// <c>blk.N.exp_probs_b.bias</c>); the weights still come from the unbiased scores.
    /// </summary>
    public bool SelectionBias { get; init; }

    /// <summary>Divide the k selected weights by their sum (before <see cref="RoutedScalingFactor"/>).</summary>
    public bool NormalizeTopKProbabilities { get; init; }

    /// <summary>
    /// Multiplies every routed weight, after any renormalisation (llama.cpp's expert_weights_scale,
    /// DeepSeek-V3's routed_scaling_factor). A builder for a checkpoint that applies the factor only to
    /// unnormalised weights (DeepSeek-V2's modeling code) sets 1 when it normalises.
    /// </summary>
    public float RoutedScalingFactor { get; init; } = 1f;

    /// <summary>
    /// Hugging Face decoder_sparse_step (Qwen-MoE): a layer is sparse only when (layer + 1) % step == 0.
    /// 1 = no restriction.
    /// </summary>
    public int SparseStep { get; init; } = 1;

    /// <summary>Hugging Face mlp_only_layers (Qwen-MoE): layers that use the dense MLP whatever the other rules say.</summary>
    public IReadOnlyList<int> MlpOnlyLayers { get; init; } = [];

    /// <summary>Whether layer <paramref name="layer"/> is sparse under every layer rule of this config.</summary>
    public bool IsSparseLayer(int layer) =>
        layer >= LeadingDenseBlocks
        && (LayerFrequency <= 1 || layer % LayerFrequency == 0)
        && (SparseStep <= 1 || (layer + 1) % SparseStep == 0)
        && !MlpOnlyLayers.Contains(layer);

    /// <summary>Experts per group under group-limited routing (all experts when not grouped).</summary>
    public int ExpertsPerGroup => IsGrouped ? NumExperts / NumGroups : NumExperts;

    /// <summary>Whether selection first keeps topk_group of n_group groups.</summary>
    public bool IsGrouped => (Routing is RoutingMethod.GroupLimitedGreedy or RoutingMethod.NoAuxTopKGroups) && NumGroups > 1;

    internal void Validate(int layers, Action<bool, string> require)
    {
        require(NumExperts > 0, $"expert count must be > 0 (got {NumExperts})");
        require(ExpertsPerToken > 0 && ExpertsPerToken <= NumExperts, $"experts per token must be in [1, {NumExperts}] (got {ExpertsPerToken})");
        require(ExpertIntermediateSize > 0, $"expert width must be > 0 (got {ExpertIntermediateSize})");
        require(NumSharedExperts >= 0, $"shared expert count must be ≥ 0 (got {NumSharedExperts})");
        require(NumSharedExperts == 0 || SharedIntermediateSize > 0, "shared experts need a width");
        require(LeadingDenseBlocks >= 0 && LeadingDenseBlocks <= layers, $"leading dense blocks must be in [0, {layers}] (got {LeadingDenseBlocks})");
        require(LayerFrequency >= 1, $"MoE layer frequency must be ≥ 1 (got {LayerFrequency})");
        require(SparseStep >= 1, $"decoder_sparse_step must be ≥ 1 (got {SparseStep})");
        foreach (int l in MlpOnlyLayers) require(l >= 0 && l < layers, $"mlp_only_layers names layer {l}, outside [0, {layers})");
        if (Routing is RoutingMethod.GroupLimitedGreedy or RoutingMethod.NoAuxTopKGroups)
        {
            require(NumGroups > 0 && NumExperts % NumGroups == 0, $"expert count {NumExperts} must split into {NumGroups} groups");
            require(TopKGroups > 0 && TopKGroups <= NumGroups, $"topk_group must be in [1, {NumGroups}] (got {TopKGroups})");
            require(ExpertsPerToken <= TopKGroups * (NumExperts / NumGroups),
                $"top-{ExpertsPerToken} cannot be taken from {TopKGroups} groups of {NumExperts / NumGroups}");
            require(Routing != RoutingMethod.NoAuxTopKGroups || NumGroups == 1 || NumExperts / NumGroups >= 2,
                $"noaux_tc scores a group by its two best experts; groups of {NumExperts / NumGroups} cannot");
        }
        require(RoutedScalingFactor is > 0 and <= 1000, $"routed scaling factor must be in (0, 1000] (got {RoutedScalingFactor})");
    }
}
