namespace NativeInfer.Config.Builders;

/// <summary>
/// config.json of <c>DeepseekV3ForCausalLM</c>: DeepSeek-V3 / R1 (model_type deepseek_v3), Kimi-K2
/// (kimi_k2) and Moonlight, read as <see cref="DeepseekV2HfBuilder"/> reads V2's keys, with V3's routing:
/// topk_method noaux_tc (the default) — sigmoid scores, experts chosen by score +
/// e_score_correction_bias, groups scored by their two best (n_group, topk_group), weights from the
/// unbiased scores renormalised when norm_topk_prob (and k > 1), then always times
/// routed_scaling_factor — and num_nextn_predict_layers multi-token-prediction layers stored after the
/// decoder layers.
/// </summary>
public sealed class DeepseekV3HfBuilder : IModelConfigBuilder
{
    public string Name => "hf:deepseek_v3";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.HuggingFace && source.Architecture == "DeepseekV3ForCausalLM";

    public ModelConfig Build(ModelSource source) =>
        DeepseekV2HfBuilder.Read(new HfKeys(source), source.Architecture, HfClassDefaults.DeepseekV3, v3: true);
}
