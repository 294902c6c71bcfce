using NativeInfer.Injection;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tests.Runtime;
using NativeInfer.Tests.Support;
using static NativeInfer.Tests.Injection.InjectionTrees;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// The CPU rule files shipped in rules/: each decides every module of the models it is written for
/// (no module left to the defaults, no rule that decides nothing), everything on the CPU with the
/// native ops, and the models still match llama.cpp's logits.
/// </summary>
[NonParallelizable]
public class DefaultRuleFileTests
{
    private static string RulesFile(string name) => Path.Combine(RepoPaths.Root, "rules", name);

    public static IEnumerable<TestCaseData> ModelsAndRules() =>
    [
        new("tiny-deepseek2-f32", "deepseek-v2-cpu.yaml"),
        new("tiny-deepseek2-lite-f32", "deepseek-v2-cpu.yaml"),
        new("tiny-deepseek2-q", "deepseek-v2-cpu.yaml"),
        new("tiny-qwen2moe-f32", "qwen2-moe-cpu.yaml"),
        new("tiny-qwen2moe-q", "qwen2-moe-cpu.yaml"),
        new("tiny-deepseek3-f32", "deepseek-v3-cpu.yaml"),
        new("tiny-deepseek3-q", "deepseek-v3-cpu.yaml"),
        new("tiny-qwen3moe-f32", "qwen3-moe-cpu.yaml"),
        new("tiny-qwen3moe-q", "qwen3-moe-cpu.yaml"),
    ];

    /// <summary>Every module decided by a rule of the file, on the CPU with the native ops; no warnings.</summary>
    private static void AssertCompleteCpuPlan(InjectionPlan plan)
    {
        Assert.That(plan.Warnings, Is.Empty);
        Assert.That(plan.Entries, Has.Count.EqualTo(plan.Root.Descendants().Count()));
        foreach (PlannedOperator e in plan.Entries)
        {
            Assert.That(e.Rule, Is.Not.Null, $"{e.Module.Path} ({e.Module.ClassName}) is left to the defaults");
            Assert.That(e.Pruned, Is.False, e.Module.Path);
            Assert.That(new[] { e.GenerateDevice, e.PrefillDevice, e.OutDevice }, Is.All.EqualTo(Device.Cpu), e.Module.Path);
            if (e.Operator?.Name == "KTransformersLinear") Assert.That((e.GenerateOp, e.PrefillOp), Is.EqualTo(("KLinearCPU", "KLinearCPU")), e.Module.Path);
            if (e.Operator?.Name == "KTransformersExperts") Assert.That((e.GenerateOp, e.PrefillOp), Is.EqualTo(("KExpertsCPU", "KExpertsCPU")), e.Module.Path);
        }
        // Modules without an operator are exactly the containers and those whose parent reads their weights.
        Assert.That(plan.Entries.Where(e => e.Operator is null).Select(e => e.Module.GetType()).Distinct(),
            Is.SubsetOf(new[] { typeof(CausalLM), typeof(ModuleList), typeof(KvBProjection) }));
    }

    [TestCaseSource(nameof(ModelsAndRules))]
    public void Rules_DecideEveryModuleOnTheCpu_AndMatchTheReferenceLogits(string model, string rules)
    {
        var (m, reference) = ReferenceModelTests.Load(model, new ModelOptions { RulesPath = RulesFile(rules) });
        using (m)
        {
            AssertCompleteCpuPlan(m.Plan);
            reference.AssertWithinTolerance(ReferenceModelTests.RunAndCompare(m, reference));
        }
    }

    [Test]
    public void DeepseekRules_OnFullSizeTrees_WithAndWithoutQLoraAndYarn_DecideEveryModule()
    {
        // Real V2-Lite shapes (64 experts, q_proj), V2's low-rank queries, and a tree without YaRN.
        var rules = RuleFile.Load(RulesFile("deepseek-v2-cpu.yaml"));
        foreach (CausalLM tree in new[] { DeepseekV2Lite(layers: 27), DeepseekV2(layers: 4) })
            AssertCompleteCpuPlan(Injector.Plan(tree, rules));
        InjectionPlan noYarn = Injector.Plan(DeepseekV2LiteNoYarn(), rules);
        Assert.That(noYarn.Entry("model.layers.1.self_attn.rotary_emb").Module.ClassName, Is.EqualTo("DeepseekV2RotaryEmbedding"));
        Assert.That(noYarn.Entry("model.layers.1.self_attn.rotary_emb").Rule, Is.Not.Null, "the rule on the base class takes the plain rotary too");
        Assert.That(noYarn.Warnings, Is.Empty);
    }

    [Test]
    public void DeepseekRules_KvBProjIsReadByTheAttention_TheRouterIsAnOperator()
    {
        InjectionPlan plan = Injector.Plan(DeepseekV2Lite(), RuleFile.Load(RulesFile("deepseek-v2-cpu.yaml")));
        Assert.That(plan.Entry("model.layers.2.self_attn.kv_b_proj").Rule!.ReplaceClass, Is.EqualTo("default"));
        Assert.That(plan.Entry("model.layers.2.self_attn.kv_b_proj").Operator, Is.Null, "the attention reads kv_b itself");
        Assert.That(plan.Entry("model.layers.2.mlp.gate").Operator!.Name, Is.EqualTo("KMoEGate"), "the router (KTransformers' KMoEGate)");
        Assert.That(plan.Entry("model.layers.2.self_attn.q_proj").Operator!.Name, Is.EqualTo("KTransformersLinear"));
    }

    [Test]
    public void QwenRules_OnAHandBuiltTree_DecideEveryModule() =>
        AssertCompleteCpuPlan(Injector.Plan(Qwen2Moe(layers: 4), RuleFile.Load(RulesFile("qwen2-moe-cpu.yaml"))));
}
