namespace NativeInfer.Config.Builders;

/// <summary>
/// config.json of <c>LlamaForCausalLM</c> or <c>MistralForCausalLM</c>: the standard decoder keys
/// (<see cref="HfDecoder"/>) with the class defaults of LlamaConfig / MistralConfig, NEOX RoPE (HF's
/// rotate_half layout). attention_bias / mlp_bias = true (biased o_proj or MLP) are refused: the module
/// tree has no such tensors. Mistral's sliding window is not modelled (exact up to the window length).
/// </summary>
public sealed class LlamaHfBuilder : IModelConfigBuilder
{
    public string Name => "hf:llama";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) =>
        source.Format == ModelFormat.HuggingFace && source.Architecture is "LlamaForCausalLM" or "MistralForCausalLM";

    public ModelConfig Build(ModelSource source)
    {
        var k = new HfKeys(source);
        RefuseBiases(k);
        HfClassDefaults d = source.Architecture == "MistralForCausalLM" ? HfClassDefaults.Mistral : HfClassDefaults.Llama;
        return HfDecoder.Read(k, source.Architecture, d, qkvBias: false).Validate();
    }

    internal static void RefuseBiases(HfKeys k)
    {
        if (k.BoolOr("attention_bias", false)) throw k.Invalid("attention_bias", "is true; biased q/k/v/o projections are not supported for this architecture");
        if (k.BoolOr("mlp_bias", false)) throw k.Invalid("mlp_bias", "is true; biased MLP projections are not supported");
    }
}
