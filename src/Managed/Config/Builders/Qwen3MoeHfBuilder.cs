namespace NativeInfer.Config.Builders;

/// <summary>
/// config.json of <c>Qwen3MoeForCausalLM</c> (model_type qwen3_moe): the standard decoder keys with
/// head_dim (128 in the released models, not hidden / heads), attention_bias (false), per-head q/k norms,
/// NEOX RoPE; num_experts, num_experts_per_tok, moe_intermediate_size, norm_topk_prob; softmax top-k, no
/// shared expert. A layer is sparse iff (layer + 1) % decoder_sparse_step == 0 and it is not in
/// mlp_only_layers (then it is a dense MLP of intermediate_size).
/// </summary>
public sealed class Qwen3MoeHfBuilder : IModelConfigBuilder
{
    public string Name => "hf:qwen3_moe";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.HuggingFace && source.Architecture == "Qwen3MoeForCausalLM";

    public ModelConfig Build(ModelSource source)
    {
        var k = new HfKeys(source);
        ModelConfig dense = HfDecoder.Read(k, source.Architecture, HfClassDefaults.Qwen3Moe, qkvBias: k.BoolOr("attention_bias", false), qkNorm: true);
        return (dense with
        {
            Moe = new MoeConfig
            {
                NumExperts = k.Int("num_experts"),
                ExpertsPerToken = k.Int("num_experts_per_tok"),
                ExpertIntermediateSize = k.Int("moe_intermediate_size"),
                Routing = RoutingMethod.Greedy,
                Scoring = ScoringFunction.Softmax,
                NormalizeTopKProbabilities = k.BoolOr("norm_topk_prob", false),
                SparseStep = k.IntOr("decoder_sparse_step", 1, min: 1),
                MlpOnlyLayers = k.IntArrayOr("mlp_only_layers", []),
            },
        }).Validate();
    }
}
