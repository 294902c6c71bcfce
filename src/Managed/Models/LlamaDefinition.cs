using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>
/// Plain Llama-style decoders (llama, qwen2 dense, mistral) and their MoE variant (Mixtral: the llama
/// architecture with experts, under Mixtral's class names).
/// </summary>
public sealed class LlamaDefinition : IModelDefinition
{
    public string Name => "llama";

    public CausalLM BuildModuleTree(ModelConfig config) => config.Moe is null ? Llama(config) : Mixtral(config);

    private static CausalLM Llama(ModelConfig config) =>
        new("LlamaForCausalLM", config, path => new LlamaModel(path, config, (layerPath, i) =>
            new LlamaDecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new LlamaAttention(attn, i, config),
                mlp => new LlamaMLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize))));

    private static CausalLM Mixtral(ModelConfig config) =>
        new("MixtralForCausalLM", config, path => new MixtralModel(path, config, (layerPath, i) =>
            new MixtralDecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new MixtralAttention(attn, i, config),
                mlp => config.IsMoeLayer(i)
                    ? new MixtralSparseMoeBlock(mlp, i, config)
                    : throw new ModelConfigException($"layer {i} of a Mixtral model is not sparse; Mixtral has experts in every layer"))));
}
