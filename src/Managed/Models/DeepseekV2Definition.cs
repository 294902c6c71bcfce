using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>DeepSeek-V2 / V2-Lite: MLA attention; dense MLP for the leading layers, DeepseekV2MoE after.</summary>
public sealed class DeepseekV2Definition : IModelDefinition
{
    public string Name => "deepseek2";

    public CausalLM BuildModuleTree(ModelConfig config) =>
        new("DeepseekV2ForCausalLM", config, path => new DeepseekV2Model(path, config, (layerPath, i) =>
            new DeepseekV2DecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new DeepseekV2Attention(attn, i, config),
                mlp => config.IsMoeLayer(i)
                    ? new DeepseekV2MoE(mlp, i, config)
                    : new DeepseekV2MLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize))));
}
