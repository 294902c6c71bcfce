using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>
/// Qwen3-MoE (Qwen3-30B-A3B, Qwen3-235B-A22B): GQA without biases, per-head q/k RMSNorm before NEOX
/// RoPE, sparse blocks with a Linear router and no shared expert (dense Qwen3MoeMLP where the config's
/// mlp_only_layers / decoder_sparse_step say so).
/// </summary>
public sealed class Qwen3MoeDefinition : IModelDefinition
{
    public string Name => "qwen3moe";

    public CausalLM BuildModuleTree(ModelConfig config) =>
        new("Qwen3MoeForCausalLM", config, path => new Qwen3MoeModel(path, config, (layerPath, i) =>
            new Qwen3MoeDecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new Qwen3MoeAttention(attn, i, config),
                mlp => config.IsMoeLayer(i)
                    ? new Qwen3MoeSparseMoeBlock(mlp, i, config)
                    : new Qwen3MoeMLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize))));
}
