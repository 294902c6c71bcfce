namespace NativeInfer.Config.Builders;

/// <summary>config.json of <c>Qwen3ForCausalLM</c>: the standard decoder keys with head_dim, attention_bias (false), per-head q/k norms, NEOX RoPE.</summary>
public sealed class Qwen3HfBuilder : IModelConfigBuilder
{
    public string Name => "hf:qwen3";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.HuggingFace && source.Architecture == "Qwen3ForCausalLM";

    public ModelConfig Build(ModelSource source)
    {
        var k = new HfKeys(source);
        return HfDecoder.Read(k, source.Architecture, HfClassDefaults.Qwen3, qkvBias: k.BoolOr("attention_bias", false), qkNorm: true).Validate();
    }
}
