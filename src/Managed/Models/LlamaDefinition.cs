using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>
/// Plain Llama-style decoders (llama, qwen2 dense, mistral) and their MoE variant (Mixtral: the llama
/// architecture with experts).
/// </summary>
public sealed class LlamaDefinition : IModelDefinition
{
    public string Name => "llama";

    public CausalLM BuildModuleTree(ModelConfig config) =>
        new(config.Moe is null ? "LlamaForCausalLM" : "MixtralForCausalLM", config, path => new LlamaModel(path, config, (layerPath, i) =>
            new LlamaDecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new LlamaAttention(attn, i, config),
                mlp => config.IsMoeLayer(i)
                    ? new MixtralSparseMoeBlock(mlp, i, config)
                    : new LlamaMLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize),
                sparse: config.IsMoeLayer(i))));
}
