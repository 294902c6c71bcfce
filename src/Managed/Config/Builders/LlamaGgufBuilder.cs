namespace NativeInfer.Config.Builders;

/// <summary>
/// GGUF <c>llama</c> without experts (Llama, and Mistral, which llama.cpp converts to llama): the generic
/// decoder keys (<see cref="GgufDecoder"/>), no biases, RoPE on adjacent pairs (the converter permutes
/// HF's q/k back to Meta's interleaved layout). A llama file with experts is Mixtral
/// (<see cref="MixtralGgufBuilder"/>, higher priority); this builder refuses one rather than drop its experts.
/// </summary>
public sealed class LlamaGgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:llama";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.Gguf && source.Architecture == "llama";

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        if (k.IntOr("expert_count", 0) > 0)
            throw k.Invalid(k.Key("expert_count"), "is set: a llama file with experts is Mixtral (config builder gguf:mixtral)");
        ModelConfig config = GgufDecoder.Read(k, RopeStyle.AdjacentPairs, qkvBias: false).Validate();
        k.RefuseUnread(Name, Qwen2MoeGgufBuilder.NoEffect);
        return config;
    }
}
