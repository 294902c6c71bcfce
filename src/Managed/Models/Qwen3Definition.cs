using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>Dense Qwen3: GQA without biases, per-head q/k RMSNorm before NEOX RoPE, a SiLU MLP in every layer.</summary>
public sealed class Qwen3Definition : IModelDefinition
{
    public string Name => "qwen3";

    public CausalLM BuildModuleTree(Config.ModelConfig config) =>
        new("Qwen3ForCausalLM", config, path => new Qwen3Model(path, config, (layerPath, i) =>
            new Qwen3DecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new Qwen3Attention(attn, i, config),
                mlp => new Qwen3MLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize))));
}
