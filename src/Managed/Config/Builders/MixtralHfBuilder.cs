namespace NativeInfer.Config.Builders;

/// <summary>
/// config.json of <c>MixtralForCausalLM</c>: the standard decoder keys with MixtralConfig's defaults,
/// num_local_experts, num_experts_per_tok; every expert is intermediate_size wide; softmax top-k
/// renormalised (transformers divides the top-k weights by their sum), no shared expert.
/// </summary>
public sealed class MixtralHfBuilder : IModelConfigBuilder
{
    public string Name => "hf:mixtral";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.HuggingFace && source.Architecture == "MixtralForCausalLM";

    public ModelConfig Build(ModelSource source)
    {
        var k = new HfKeys(source);
        ModelConfig dense = HfDecoder.Read(k, source.Architecture, HfClassDefaults.Mixtral, qkvBias: false);
        return (dense with
        {
            Moe = new MoeConfig
            {
                NumExperts = k.IntOr("num_local_experts", 8, min: 1),
                ExpertsPerToken = k.IntOr("num_experts_per_tok", 2, min: 1),
                ExpertIntermediateSize = dense.IntermediateSize,
                Routing = RoutingMethod.Greedy,
                Scoring = ScoringFunction.Softmax,
                NormalizeTopKProbabilities = true,
            },
        }).Validate();
    }
}
