namespace NativeInfer.Config.Builders;

/// <summary>
/// GGUF <c>qwen3moe</c> (Qwen3-30B-A3B, Qwen3-235B-A22B) as llama.cpp reads it: the generic decoder keys
/// with the head width from attention.key_length (128 in the real models, not hidden / heads), no q/k/v
/// biases, per-head q/k RMSNorm, NEOX RoPE; every layer sparse with expert_count, expert_used_count and
/// expert_feed_forward_length; softmax top-k always renormalised (llama.cpp's qwen3moe graph passes
/// norm_w = true); no shared expert.
/// </summary>
public sealed class Qwen3MoeGgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:qwen3moe";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.Gguf && source.Architecture == "qwen3moe";

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        ModelConfig dense = GgufDecoder.Read(k, RopeStyle.Neox, qkvBias: false, qkNorm: true);
        ModelConfig config = (dense with
        {
            Moe = new MoeConfig
            {
                NumExperts = k.Int("expert_count"),
                ExpertsPerToken = k.Int("expert_used_count"),
                ExpertIntermediateSize = k.Int("expert_feed_forward_length"),
                Routing = RoutingMethod.Greedy,
                Scoring = ScoringFunction.Softmax,
                NormalizeTopKProbabilities = true,
            },
        }).Validate();
        k.RefuseUnread(Name, Qwen2MoeGgufBuilder.NoEffect);
        return config;
    }
}
