using NativeInfer.Config;
using NativeInfer.Injection;
using NativeInfer.Models;
using NativeInfer.Models.Modules;
using NativeInfer.Tests.Models;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// Module trees from hand-written configs (no weights, no reference data needed) and small helpers to
/// plan rules written inline.
/// </summary>
internal static class InjectionTrees
{
    /// <summary>DeepSeek-V2-Lite shapes: q_proj (no q-LoRA), YaRN, layer 0 dense, layers 1.. MoE.</summary>
    public static CausalLM DeepseekV2Lite(int layers = 4) => new DeepseekDefinition().BuildModuleTree(ModuleTreeTests.DeepseekV2Lite(layers));

    /// <summary>DeepSeek-V2 shapes: q_a_proj → q_a_layernorm → q_b_proj.</summary>
    public static CausalLM DeepseekV2(int layers = 3) => new DeepseekDefinition().BuildModuleTree(ModuleTreeTests.DeepseekV2Lite(layers, qLora: 1536));

    /// <summary>DeepSeek-V2-Lite shapes without YaRN: the plain DeepseekV2RotaryEmbedding.</summary>
    public static CausalLM DeepseekV2LiteNoYarn(int layers = 2)
    {
        ModelConfig c = ModuleTreeTests.DeepseekV2Lite(layers);
        return new DeepseekDefinition().BuildModuleTree(c with { Rope = c.Rope with { Scaling = null } });
    }

    /// <summary>Qwen2-MoE shapes like tiny-qwen2moe: GQA 4/2 with q/k/v bias, NEOX RoPE, sigmoid-gated shared expert.</summary>
    public static CausalLM Qwen2Moe(int layers = 3) => new Qwen2MoeDefinition().BuildModuleTree(new ModelConfig
    {
        Architecture = "qwen2moe", HiddenSize = 64, NumLayers = layers, VocabSize = 32000, IntermediateSize = 64,
        Attention = new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 4, NumKvHeads = 2, HeadDim = 16, ValueHeadDim = 16, QkvBias = true },
        Rope = new RopeConfig { Base = 1000000, Dimensions = 16, Style = RopeStyle.Neox },
        Moe = new MoeConfig
        {
            NumExperts = 8, ExpertsPerToken = 2, ExpertIntermediateSize = 64, NumSharedExperts = 1, SharedIntermediateSize = 128,
            SharedGate = SharedExpertGate.Sigmoid,
        },
    }.Validate());

    public static InjectionPlan Plan(CausalLM tree, string yaml, InjectionOptions? options = null, string file = "test.yaml") =>
        Injector.Plan(tree, RuleFile.Parse(yaml, file), options);

    /// <summary>The planned entry of <paramref name="path"/> (fails the test when the tree has no such module).</summary>
    public static PlannedOperator Entry(this InjectionPlan plan, string path) =>
        plan.For(path) ?? throw new AssertionException($"the plan has no module '{path}'");

    /// <summary>The line a rule starts at: "test.yaml:LINE".</summary>
    public static int? Line(this PlannedOperator e) => e.Rule?.Location.Line;

    /// <summary>Splits an explain row into its columns (separated by two or more spaces).</summary>
    public static string[] Columns(string row) => System.Text.RegularExpressions.Regex.Split(row.TrimEnd(), " {2,}");

    /// <summary>The explain table's row for <paramref name="path"/>, split into columns.</summary>
    public static string[] ExplainRow(this InjectionPlan plan, string path)
    {
        string? row = plan.Explain().Split('\n').FirstOrDefault(l => l.StartsWith(path + " ", StringComparison.Ordinal));
        return row is null ? throw new AssertionException($"explain has no row for '{path}'") : Columns(row);
    }
}
