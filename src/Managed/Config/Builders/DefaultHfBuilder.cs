namespace NativeInfer.Config.Builders;

/// <summary>
/// The fallback for any config.json with the standard keys (hidden_size, num_hidden_layers,
/// num_attention_heads, intermediate_size, vocab_size): a plain Llama-style decoder with LlamaConfig's
/// defaults, NEOX RoPE, q/k/v biases iff attention_bias. Lowest priority. Configs naming experts
/// (num_experts, num_local_experts, n_routed_experts) are refused rather than read as dense.
/// </summary>
public sealed class DefaultHfBuilder : IModelConfigBuilder
{
    private static readonly string[] Required = ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size"];
    private static readonly string[] ExpertKeys = ["num_experts", "num_local_experts", "n_routed_experts"];

    public string Name => "hf:default";
    public int Priority => ModelConfigBuilders.DefaultPriority;

    public bool CanBuild(ModelSource source) =>
        source.Format == ModelFormat.HuggingFace && Required.All(source.HfConfig!.Contains);

    public ModelConfig Build(ModelSource source)
    {
        var k = new HfKeys(source);
        foreach (string key in ExpertKeys)
            if (k.OptInt(key) > 0)
                throw k.Invalid(key, $"is set: the default builder makes dense decoders only; register a config builder for '{source.Architecture}'");
        if (k.BoolOr("mlp_bias", false)) throw k.Invalid("mlp_bias", "is true; biased MLP projections are not supported");
        return HfDecoder.Read(k, source.Architecture, HfClassDefaults.Llama, qkvBias: k.BoolOr("attention_bias", false)).Validate();
    }
}
