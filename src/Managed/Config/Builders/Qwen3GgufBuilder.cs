namespace NativeInfer.Config.Builders;

/// <summary>
/// GGUF <c>qwen3</c> (dense Qwen3): the generic decoder keys, head width from attention.key_length, no
/// q/k/v biases, per-head q/k RMSNorm, NEOX RoPE. A qwen3 file with experts is refused (that is qwen3moe).
/// </summary>
public sealed class Qwen3GgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:qwen3";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.Gguf && source.Architecture == "qwen3";

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        if (k.IntOr("expert_count", 0) > 0)
            throw k.Invalid(k.Key("expert_count"), "is set: a Qwen3 model with experts is architecture qwen3moe");
        ModelConfig config = GgufDecoder.Read(k, RopeStyle.Neox, qkvBias: false, qkNorm: true).Validate();
        k.RefuseUnread(Name, Qwen2MoeGgufBuilder.NoEffect);
        return config;
    }
}
