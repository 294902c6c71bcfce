namespace NativeInfer.Config.Builders;

/// <summary>GGUF <c>qwen2</c> (dense Qwen2 / Qwen2.5): the generic decoder keys, q/k/v biases, NEOX RoPE (llama.cpp's LLAMA_ROPE_TYPE_NEOX for qwen2).</summary>
public sealed class Qwen2GgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:qwen2";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.Gguf && source.Architecture == "qwen2";

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        ModelConfig config = GgufDecoder.Read(k, RopeStyle.Neox, qkvBias: true).Validate();
        k.RefuseUnread(Name, Qwen2MoeGgufBuilder.NoEffect);
        return config;
    }
}
