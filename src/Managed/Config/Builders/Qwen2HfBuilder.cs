namespace NativeInfer.Config.Builders;

/// <summary>config.json of <c>Qwen2ForCausalLM</c>: the standard decoder keys with Qwen2Config's defaults, q/k/v biases (always, in Qwen2), NEOX RoPE. Sliding-window attention is not modelled.</summary>
public sealed class Qwen2HfBuilder : IModelConfigBuilder
{
    public string Name => "hf:qwen2";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.HuggingFace && source.Architecture == "Qwen2ForCausalLM";

    public ModelConfig Build(ModelSource source) =>
        HfDecoder.Read(new HfKeys(source), source.Architecture, HfClassDefaults.Qwen2, qkvBias: true).Validate();
}
