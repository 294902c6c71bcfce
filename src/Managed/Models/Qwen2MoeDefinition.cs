using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>Qwen2-MoE: biased q/k/v GQA attention with NEOX RoPE; every layer a sparse block with a gated shared expert.</summary>
public sealed class Qwen2MoeDefinition : IModelDefinition
{
    public string Name => "qwen2moe";

    public CausalLM BuildModuleTree(ModelConfig config) =>
        new("Qwen2MoeForCausalLM", config, path => new Qwen2MoeModel(path, config, (layerPath, i) =>
            new Qwen2MoeDecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new Qwen2MoeAttention(attn, i, config),
                mlp => config.IsMoeLayer(i)
                    ? new Qwen2MoeSparseMoeBlock(mlp, i, config)
                    : new Qwen2MoeMLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize))));
}
