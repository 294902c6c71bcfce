using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models;

/// <summary>
/// DeepSeek-V2 / V2-Lite and DeepSeek-V3 / R1 / Kimi-K2 / Moonlight (GGUF <c>deepseek2</c>): MLA
/// attention; the dense MLP for the leading layers, the MoE block after. The tree carries V3's class
/// names (DeepseekV3MoE, DeepseekV3Attention, ...) when the router is V3's — sigmoid scores or a
/// selection bias — so KTransformers' V3 rule files match it, else V2's. A file's multi-token-prediction
/// layers (after the decoder layers) are declared ignored.
/// </summary>
public sealed class DeepseekDefinition : IModelDefinition
{
    public string Name => "deepseek";

    /// <summary>Whether a config describes the V3 family (sigmoid routing or a selection bias).</summary>
    public static bool IsV3(ModelConfig config) => config.Moe is { } moe && (moe.Scoring == ScoringFunction.Sigmoid || moe.SelectionBias);

    public CausalLM BuildModuleTree(ModelConfig config)
    {
        CausalLM tree = IsV3(config) ? V3(config) : V2(config);
        for (int l = config.NumLayers; l < config.NumLayers + config.NextNPredictLayers; l++)
            tree.Ignore($@"^(blk|model\.layers)\.{l}\.", $"multi-token-prediction layer {l} ({config.NextNPredictLayers} after the {config.NumLayers} decoder layers): " +
                                                         "only speculative decoding uses it, which NativeInfer does not do");
        return tree;
    }

    private static CausalLM V2(ModelConfig config) =>
        new("DeepseekV2ForCausalLM", config, path => new DeepseekV2Model(path, config, (layerPath, i) =>
            new DeepseekV2DecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new DeepseekV2Attention(attn, i, config),
                mlp => config.IsMoeLayer(i)
                    ? new DeepseekV2MoE(mlp, i, config)
                    : new DeepseekV2MLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize))));

    private static CausalLM V3(ModelConfig config) =>
        new("DeepseekV3ForCausalLM", config, path => new DeepseekV3Model(path, config, (layerPath, i) =>
            new DeepseekV3DecoderLayer(layerPath, i, config.HiddenSize, config.NormEps,
                attn => new DeepseekV3Attention(attn, i, config),
                mlp => config.IsMoeLayer(i)
                    ? new DeepseekV3MoE(mlp, i, config)
                    : new DeepseekV3MLP(mlp, $"blk.{i}.ffn_gate", $"blk.{i}.ffn_up", $"blk.{i}.ffn_down", config.HiddenSize, config.IntermediateSize))));
}
