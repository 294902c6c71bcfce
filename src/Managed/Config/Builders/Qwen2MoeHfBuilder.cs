namespace NativeInfer.Config.Builders;

/// <summary>
/// config.json of <c>Qwen2MoeForCausalLM</c> (model_type qwen2_moe): the standard decoder keys with q/k/v
/// biases, NEOX RoPE; num_experts, num_experts_per_tok, moe_intermediate_size,
/// shared_expert_intermediate_size (0 = no shared expert; else one, sigmoid-gated), norm_topk_prob
/// (default false). Layers are sparse iff (layer + 1) % decoder_sparse_step == 0 and the layer is not in
/// mlp_only_layers; only decoder_sparse_step = 1 with no mlp_only_layers (every released Qwen2-MoE) fits
/// <see cref="ModelConfig.IsMoeLayer"/>, other layouts are refused by name.
/// </summary>
public sealed class Qwen2MoeHfBuilder : IModelConfigBuilder
{
    public string Name => "hf:qwen2_moe";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.HuggingFace && source.Architecture == "Qwen2MoeForCausalLM";

    public ModelConfig Build(ModelSource source)
    {
        var k = new HfKeys(source);
        int step = k.IntOr("decoder_sparse_step", 1, min: 1);
        if (step != 1) throw k.Invalid("decoder_sparse_step", $"is {step}; only 1 (every layer sparse) is supported");
        int[] mlpOnly = k.IntArrayOr("mlp_only_layers", []);
        if (mlpOnly.Length > 0) throw k.Invalid("mlp_only_layers", $"lists {mlpOnly.Length} layer(s); dense layers inside a Qwen2-MoE are not supported");
        ModelConfig dense = HfDecoder.Read(k, source.Architecture, HfClassDefaults.Qwen2Moe, qkvBias: true);
        int shared = k.Int("shared_expert_intermediate_size", min: 0);
        return (dense with
        {
            Moe = new MoeConfig
            {
                NumExperts = k.Int("num_experts"),
                ExpertsPerToken = k.Int("num_experts_per_tok"),
                ExpertIntermediateSize = k.Int("moe_intermediate_size"),
                NumSharedExperts = shared > 0 ? 1 : 0,
                SharedIntermediateSize = shared,
                SharedGate = shared > 0 ? SharedExpertGate.Sigmoid : SharedExpertGate.None,
                Routing = RoutingMethod.Greedy,
                Scoring = ScoringFunction.Softmax,
                NormalizeTopKProbabilities = k.BoolOr("norm_topk_prob", false),
            },
        }).Validate();
    }
}
