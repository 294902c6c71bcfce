namespace NativeInfer.Config.Builders;

/// <summary>
/// GGUF <c>qwen2moe</c> (Qwen1.5-MoE, Qwen2-57B-A14B): the generic decoder keys plus q/k/v biases and
/// NEOX RoPE; every layer sparse; expert_count, expert_used_count; expert_feed_forward_length (absent:
/// feed_forward_length / expert_used_count) and expert_shared_feed_forward_length (absent:
/// feed_forward_length), as llama.cpp sizes them; one shared expert scaled by sigmoid(gate · x).
/// <para>
/// Routing is softmax top-k <b>without</b> renormalisation: GGUF has no norm_topk_prob key and llama.cpp's
/// qwen2moe graph calls build_moe_ffn with norm_w = false, whatever the checkpoint's config said. A
/// config.json with norm_topk_prob = true therefore describes a different model than llama.cpp runs;
/// `nativeinfer check --config` reports the difference.
/// </para>
/// </summary>
public sealed class Qwen2MoeGgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:qwen2moe";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.Gguf && source.Architecture == "qwen2moe";

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        ModelConfig dense = GgufDecoder.Read(k, RopeStyle.Neox, qkvBias: true);
        int used = k.Int("expert_used_count");
        ModelConfig config = (dense with
        {
            Moe = new MoeConfig
            {
                NumExperts = k.Int("expert_count"),
                ExpertsPerToken = used,
                ExpertIntermediateSize = k.OptInt("expert_feed_forward_length", min: 1) ?? dense.IntermediateSize / used,
                NumSharedExperts = 1,
                SharedIntermediateSize = k.IntOr("expert_shared_feed_forward_length", dense.IntermediateSize, min: 1),
                SharedGate = SharedExpertGate.Sigmoid,
                Routing = RoutingMethod.Greedy,
                Scoring = ScoringFunction.Softmax,
                NormalizeTopKProbabilities = false,
            },
        }).Validate();
        k.RefuseUnread(Name, NoEffect);
        return config;
    }

    /// <summary>Keys llama.cpp's converters write that change nothing in the math.</summary>
    internal static readonly string[] NoEffect = ["rope.scaling.finetuned"];
}
