using NativeInfer.Injection;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Tensors;
using NativeInfer.Tests.Support;
using static NativeInfer.Tests.Injection.InjectionTrees;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// KTransformers' rule semantics (design doc §4) on module trees built from hand-written configs:
/// first match in file order, regex search, class tests with subclasses, name AND class, "default",
/// no kwarg merging, recursive: false, built-ins for unmatched modules, warnings for dead rules.
/// </summary>
public class InjectorSemanticsTests
{
    [Test]
    public void Plan_TwoRulesMatch_FirstInFileOrderDecides()
    {
        const string yaml = """
            - match:
                name: "\\.q_proj$"
              replace:
                class: KTransformersLinear
                kwargs: { generate_op: KLinearManaged }
            - match:
                class: torch.nn.Linear
                name: "^(?!.*kv_b_proj)"
              replace:
                class: KTransformersLinear
                kwargs: { prefill_op: KLinearManaged }
            """;
        InjectionPlan plan = Plan(DeepseekV2Lite(), yaml);
        PlannedOperator q = plan.Entry("model.layers.1.self_attn.q_proj");
        Assert.That(q.Line(), Is.EqualTo(1));
        Assert.That((q.GenerateOp, q.PrefillOp), Is.EqualTo(("KLinearManaged", "KLinearCPU")));
        PlannedOperator o = plan.Entry("model.layers.1.self_attn.o_proj");
        Assert.That(o.Line(), Is.EqualTo(6));
        Assert.That((o.GenerateOp, o.PrefillOp), Is.EqualTo(("KLinearCPU", "KLinearManaged")));
        Assert.That(plan.Warnings, Is.Empty);
    }

    [Test]
    public void Plan_GeneralRuleFirst_LaterSpecificRuleNeverAppliesAndIsReported()
    {
        const string yaml = """
            - match: { class: torch.nn.Linear }
              replace: { class: KTransformersLinear }
            - match: { name: "\\.q_proj$" }
              replace: { class: KTransformersLinear, kwargs: { generate_op: KLinearManaged } }
            """;
        InjectionPlan plan = Plan(DeepseekV2Lite(), yaml);
        Assert.That(plan.Entry("model.layers.1.self_attn.q_proj").Line(), Is.EqualTo(1));
        Assert.That(plan.Warnings, Has.Exactly(1).Contains("test.yaml:3 (rule 2)").And.Contains("decided by an earlier rule")
                                              .And.Contains("model.layers.0.self_attn.q_proj by test.yaml:1 (rule 1)"));
    }

    [Test]
    public void Plan_NameIsARegexSearch_MatchesAnywhereInThePath()
    {
        const string yaml = """
            - match: { name: "mlp\\.exp" }
              replace: { class: KTransformersExperts }
            """;
        InjectionPlan plan = Plan(DeepseekV2Lite(layers: 4), yaml);
        var matched = plan.Entries.Where(e => e.Rule is not null).Select(e => e.Module.Path);
        Assert.That(matched, Is.EqualTo(new[] { "model.layers.1.mlp.experts", "model.layers.2.mlp.experts", "model.layers.3.mlp.experts" }));
    }

    [Test]
    public void Plan_AnchoredName_DoesNotMatchInsideAPath()
    {
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match: { name: "^experts$" }
              replace: { class: KTransformersExperts }
            """);
        Assert.That(plan.Entries.Where(e => e.Rule is not null), Is.Empty);
        Assert.That(plan.Warnings, Has.Exactly(1).EqualTo("test.yaml:1 (rule 1): rule matched no module (name ^experts$, class -)"));
    }

    [Test]
    public void Plan_KTransformersNegativeLookahead_ExcludesKvBProjOnly()
    {
        // The pattern of KTransformers' DeepSeek rule file: every Linear under model.layers except kv_b_proj.
        const string yaml = """
            - match:
                name: "^model\\.layers\\.(?!.*self_attn\\.kv_b_proj).*$"
                class: torch.nn.Linear
              replace: { class: KTransformersLinear }
            """;
        CausalLM tree = DeepseekV2Lite();
        InjectionPlan plan = Plan(tree, yaml);
        var linears = tree.Descendants().OfType<Linear>().Select(l => l.Path).ToList();
        var expected = linears.Where(p => p.StartsWith("model.layers.", StringComparison.Ordinal) && !p.EndsWith("self_attn.kv_b_proj", StringComparison.Ordinal));
        Assert.That(plan.Entries.Where(e => e.Rule is not null).Select(e => e.Module.Path), Is.EquivalentTo(expected));
        Assert.That(linears.Count(p => p.EndsWith(".kv_b_proj", StringComparison.Ordinal)), Is.EqualTo(4), "one kv_b_proj per layer exists to be excluded");
        PlannedOperator kvB = plan.Entry("model.layers.3.self_attn.kv_b_proj");
        Assert.That((kvB.Rule, kvB.Operator), Is.EqualTo(((InjectionRule?)null, (OperatorDescriptor?)null)));
    }

    [Test]
    public void Plan_ClassTest_MatchesSubclasses()
    {
        const string yaml = """
            - match: { class: DeepseekV2RotaryEmbedding }
              replace: { class: YarnRotaryEmbedding }
            """;
        // The YaRN tree's rotary modules are DeepseekV2YarnRotaryEmbedding, a subclass.
        InjectionPlan yarn = Plan(DeepseekV2Lite(layers: 2), yaml);
        Assert.That(yarn.Entry("model.layers.1.self_attn.rotary_emb").Module.ClassName, Is.EqualTo("DeepseekV2YarnRotaryEmbedding"));
        Assert.That(yarn.Entries.Where(e => e.Rule is not null).Select(e => e.Module.Path),
            Is.EqualTo(new[] { "model.layers.0.self_attn.rotary_emb", "model.layers.1.self_attn.rotary_emb" }));
        Assert.That(yarn.Entry("model.layers.1.self_attn.rotary_emb").Operator!.Name, Is.EqualTo("YarnRotaryEmbedding"));
        InjectionPlan plain = Plan(DeepseekV2LiteNoYarn(layers: 2), yaml);
        Assert.That(plain.Entry("model.layers.1.self_attn.rotary_emb").Module.ClassName, Is.EqualTo("DeepseekV2RotaryEmbedding"));
        Assert.That(plain.Entry("model.layers.1.self_attn.rotary_emb").Line(), Is.EqualTo(1));
    }

    [Test]
    public void Plan_ClassTestOnSubclass_DoesNotMatchTheBaseClass()
    {
        InjectionPlan plan = Plan(DeepseekV2LiteNoYarn(), """
            - match: { class: ktransformers.models.modeling_deepseek.DeepseekV2YarnRotaryEmbedding }
              replace: { class: YarnRotaryEmbedding }
            """);
        Assert.That(plan.Entries.Where(e => e.Rule is not null), Is.Empty);
        Assert.That(plan.Warnings, Has.Exactly(1).Contains("rule matched no module"));
    }

    [Test]
    public void Plan_TorchNnLinear_MatchesEveryLinearIncludingKvBProjAndLmHead()
    {
        CausalLM tree = DeepseekV2Lite();
        InjectionPlan plan = Plan(tree, """
            - match: { class: torch.nn.Linear }
              replace: { class: KTransformersLinear }
            """);
        var matched = plan.Entries.Where(e => e.Rule is not null).Select(e => e.Module.Path).ToList();
        // Counted independently: per layer q, kv_a, kv_b, o + three MLP projections (dense or shared experts), and lm_head.
        Assert.That(matched, Has.Count.EqualTo(4 * 7 + 1));
        Assert.That(matched, Does.Contain("model.layers.2.self_attn.kv_b_proj").And.Contain("lm_head").And.Contain("model.layers.2.mlp.shared_experts.up_proj"));
        Assert.That(matched, Does.Not.Contain("model.layers.2.mlp.gate"), "DeepSeek's MoEGate is not a Linear");
        // kv_b_proj's weights are read by the attention operator: a Linear operator there is never called.
        Assert.That(plan.Warnings, Has.Exactly(1).Contains("test.yaml:1 (rule 1): KTransformersLinear placed on 4 modules whose parent reads their weights")
                                              .And.Contains("model.layers.0.self_attn.kv_b_proj"));
    }

    [Test]
    public void Plan_KTransformersPythonClassPaths_ResolveToModuleTypes()
    {
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match:
                name: "^model\\.layers\\..*\\.mlp$"
                class: ktransformers.models.modeling_deepseek.DeepseekV2MoE
              replace: { class: ktransformers.operators.experts.KDeepseekV2MoE }
            """);
        Assert.That(plan.Entries.Where(e => e.Rule is not null).Select(e => e.Module.Path),
            Is.EqualTo(new[] { "model.layers.1.mlp", "model.layers.2.mlp", "model.layers.3.mlp" }));
        Assert.That(plan.Entry("model.layers.1.mlp").Operator!.OperatorType, Is.EqualTo(typeof(SparseMoeOperator)));
    }

    [Test]
    public void Plan_NameAndClass_BothMustMatch()
    {
        const string yaml = """
            - match:
                name: "^model\\.layers\\.[01]\\.mlp"
                class: DeepseekV2MoE
              replace: { class: KDeepseekV2MoE }
            """;
        InjectionPlan plan = Plan(DeepseekV2Lite(), yaml);
        // layer 0's mlp matches the name but is a dense DeepseekV2MLP; layer 1's experts and shared
        // experts match the name search but are not DeepseekV2MoE; layer 2's MoE block fails the name.
        Assert.That(plan.Entries.Where(e => e.Rule is not null).Select(e => e.Module.Path), Is.EqualTo(new[] { "model.layers.1.mlp" }));
    }

    [Test]
    public void Plan_Default_KeepsTheBuiltInOperatorButRecordsTheRule()
    {
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match: { name: "^model\\.layers\\.1\\." }
              replace:
                class: default
                kwargs: { generate_device: cpu, prefill_device: cpu }
            """);
        InjectionPlan none = Injector.Plan(DeepseekV2Lite(), []);
        foreach (PlannedOperator e in plan.Entries.Where(e => e.Module.Path.StartsWith("model.layers.1.", StringComparison.Ordinal)))
        {
            Assert.That(e.Line(), Is.EqualTo(1), e.Module.Path);
            Assert.That(e.Operator?.Name, Is.EqualTo(none.Entry(e.Module.Path).Operator?.Name), e.Module.Path);
        }
        Assert.That(plan.Entry("model.layers.1.self_attn").Operator!.Name, Is.EqualTo("KDeepseekV2Attention"));
        Assert.That(plan.Entry("model.layers.1.mlp.experts").Operator!.Name, Is.EqualTo("KTransformersExperts"));
        Assert.That(plan.Entry("model.layers.1.mlp.gate").Operator!.Name, Is.EqualTo("KMoEGate"), "the router is its own operator, as KTransformers' KMoEGate");
    }

    [Test]
    public void Plan_DefaultWithOptions_BindsThemToTheBuiltIn()
    {
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match: { class: DeepseekV2Attention }
              replace: { class: default, kwargs: { absorb_for_prefill: false } }
            """);
        Assert.That(plan.Entry("model.layers.2.self_attn").Options, Is.TypeOf<DeepseekV2AttentionOptions>()
            .With.Property(nameof(DeepseekV2AttentionOptions.AbsorbForPrefill)).False);
    }

    [Test]
    public void Plan_KwargsNeverMergeBetweenRules()
    {
        const string yaml = """
            - match: { name: "layers\\.1\\.self_attn$" }
              replace:
                class: KDeepseekV2Attention
                kwargs: { absorb_for_prefill: false }
            - match: { name: "layers\\.1\\.self_attn\\.q_proj$" }
              replace:
                class: KTransformersLinear
                kwargs: { generate_op: KLinearManaged }
            - match: { class: DeepseekV2Attention }
              replace:
                class: KDeepseekV2Attention
                kwargs: { generate_device: cpu }
            - match: { class: torch.nn.Linear }
              replace:
                class: KTransformersLinear
                kwargs: { prefill_op: KLinearManaged }
            """;
        InjectionPlan plan = Plan(DeepseekV2Lite(), yaml);
        Assert.That(((DeepseekV2AttentionOptions)plan.Entry("model.layers.1.self_attn").Options!).AbsorbForPrefill, Is.False);
        Assert.That(((DeepseekV2AttentionOptions)plan.Entry("model.layers.2.self_attn").Options!).AbsorbForPrefill, Is.True,
            "layer 2 is decided by rule 3 alone; rule 1's absorb_for_prefill does not leak into it");
        PlannedOperator q1 = plan.Entry("model.layers.1.self_attn.q_proj");
        Assert.That((q1.Line(), q1.GenerateOp, q1.PrefillOp), Is.EqualTo((5, "KLinearManaged", "KLinearCPU")),
            "rule 4's prefill_op does not merge into the module rule 2 decided");
        PlannedOperator q2 = plan.Entry("model.layers.2.self_attn.q_proj");
        Assert.That((q2.Line(), q2.GenerateOp, q2.PrefillOp), Is.EqualTo((13, "KLinearCPU", "KLinearManaged")));
    }

    [Test]
    public void Plan_RecursiveFalse_PrunesChildrenWhichShowAsInsideParent()
    {
        const string yaml = """
            - match: { name: "^model\\.layers\\.1\\.self_attn$" }
              replace: { class: KDeepseekV2Attention }
              recursive: false
            - match: { class: torch.nn.Linear }
              replace: { class: KTransformersLinear, kwargs: { generate_op: KLinearManaged } }
            """;
        InjectionPlan plan = Plan(DeepseekV2Lite(), yaml);
        string[] children = ["q_proj", "kv_a_proj_with_mqa", "kv_a_layernorm", "kv_b_proj", "o_proj", "rotary_emb"];
        foreach (string c in children)
        {
            PlannedOperator e = plan.Entry("model.layers.1.self_attn." + c);
            Assert.That((e.Pruned, e.Rule, e.Operator), Is.EqualTo((true, (InjectionRule?)null, (OperatorDescriptor?)null)), c);
            Assert.That(plan.ExplainRow(e.Module.Path)[2], Is.EqualTo("(inside parent)"), c);
        }
        Assert.That(plan.Entries.Count(e => e.Pruned), Is.EqualTo(children.Length));
        Assert.That(plan.Entry("model.layers.2.self_attn.q_proj").Line(), Is.EqualTo(4), "other layers are still visited");
        Assert.That(plan.Entry("model.layers.1.self_attn").Line(), Is.EqualTo(1));
    }

    [Test]
    public void Plan_NoRules_EveryModuleGetsItsBuiltInOnTheDefaultDevice()
    {
        InjectionPlan plan = Injector.Plan(DeepseekV2Lite(), []);
        var expected = new Dictionary<string, string?>
        {
            [""] = null, ["model"] = "DecoderStack", ["model.embed_tokens"] = "Embedding", ["model.layers"] = null,
            ["model.layers.0"] = "DecoderLayer", ["model.layers.0.input_layernorm"] = "RMSNorm", ["model.layers.0.self_attn"] = "KDeepseekV2Attention",
            ["model.layers.0.self_attn.q_proj"] = "KTransformersLinear", ["model.layers.0.self_attn.kv_b_proj"] = null,
            ["model.layers.0.self_attn.rotary_emb"] = "RotaryEmbedding", ["model.layers.0.mlp"] = "MLP",
            ["model.layers.0.mlp.down_proj"] = "KTransformersLinear", ["model.layers.1.mlp"] = "SparseMoe", ["model.layers.1.mlp.gate"] = "KMoEGate",
            ["model.layers.1.mlp.experts"] = "KTransformersExperts", ["model.layers.1.mlp.shared_experts"] = "MLP",
            ["model.norm"] = "RMSNorm", ["lm_head"] = "KTransformersLinear",
        };
        foreach (var (path, op) in expected) Assert.That(plan.Entry(path).Operator?.Name, Is.EqualTo(op), path);
        Assert.That(plan.Entries.Select(e => e.Module.Path), Is.EqualTo(plan.Root.Descendants().Select(m => m.Path)), "every module, in tree order");
        foreach (PlannedOperator e in plan.Entries)
        {
            Assert.That((e.Rule, e.Pruned, e.GenerateOp, e.PrefillOp), Is.EqualTo(((InjectionRule?)null, false, (string?)null, (string?)null)), e.Module.Path);
            Assert.That(new[] { e.GenerateDevice, e.PrefillDevice, e.OutDevice }, Is.All.EqualTo(Device.Cpu), e.Module.Path);
        }
        Assert.That(plan.Warnings, Is.Empty);
    }

    [Test]
    public void Plan_QwenTree_UnmatchedModulesGetTheirBuiltIns()
    {
        InjectionPlan plan = Plan(Qwen2Moe(), """
            - match: { name: "^model\\.layers\\..*\\.mlp$" }
              replace: { class: KQwen2MoeSparseMoeBlock }
            """);
        Assert.That(plan.Entry("model.layers.0.mlp").Operator!.Name, Is.EqualTo("KQwen2MoeSparseMoeBlock"));
        Assert.That(plan.Entry("model.layers.0.self_attn").Operator!.Name, Is.EqualTo("MultiHeadAttention"));
        Assert.That(plan.Entry("model.layers.0.mlp.gate").Operator!.Name, Is.EqualTo("KTransformersLinear"), "Qwen's router is a Linear");
        Assert.That(plan.Entry("model.layers.0.mlp.shared_expert_gate").Operator!.Name, Is.EqualTo("KTransformersLinear"));
        Assert.That(plan.Entry("model.layers.0.mlp.shared_expert").Operator!.Name, Is.EqualTo("MLP"));
        Assert.That(plan.Entry("model.layers.2.self_attn.rotary_emb").Operator!.Name, Is.EqualTo("RotaryEmbedding"));
    }

    [Test]
    public void Plan_DeviceKwargs_SetGeneratePrefillAndOutDevices()
    {
        var options = new InjectionOptions { DeviceProbe = d => (d == new Device(DeviceKind.Cuda, 0), "only cuda:0 exists") };
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match: { name: "\\.q_proj$" }
              replace:
                class: KTransformersLinear
                kwargs: { generate_device: cpu, prefill_device: cuda, out_device: "cuda:0", generate_op: KLinearCPU }
            - match: { name: "^model\\.norm$" }
              replace: { class: RMSNorm, kwargs: { device: cpu } }
            """, options);
        // Only operators with a CUDA implementation may sit on a GPU: the linear (prefill becomes the int4 GEMM).
        PlannedOperator e = plan.Entry("model.layers.1.self_attn.q_proj");
        Assert.That((e.GenerateDevice, e.PrefillDevice, e.OutDevice), Is.EqualTo((Device.Cpu, new Device(DeviceKind.Cuda, 0), new Device(DeviceKind.Cuda, 0))));
        Assert.That((e.GenerateOp, e.PrefillOp), Is.EqualTo(("KLinearCPU", "KLinearMarlin")));
        Assert.That(plan.ExplainRow("model.layers.1.self_attn.q_proj")[5], Is.EqualTo("gen cpu, prefill cuda:0"));
        PlannedOperator n = plan.Entry("model.norm");
        Assert.That((n.GenerateDevice, n.PrefillDevice, n.OutDevice), Is.EqualTo((Device.Cpu, Device.Cpu, Device.Cpu)));
    }

    [Test]
    public void Plan_CpuFallback_MovesToCpuReplacesMarlinAndWarnsOncePerRule()
    {
        CudaRequirement.NoUsableDevice();
        const string yaml = """
            - match: { class: torch.nn.Linear, name: "^model\\.layers\\.(?!.*kv_b_proj)" }
              replace:
                class: KTransformersLinear
                kwargs: { generate_device: cuda, prefill_device: cuda, generate_op: KLinearMarlin, prefill_op: KLinearTorch }
            """;
        InjectionPlan plan = Plan(DeepseekV2Lite(), yaml, new InjectionOptions { FallbackToCpu = true });
        PlannedOperator q = plan.Entry("model.layers.2.self_attn.q_proj");
        Assert.That((q.GenerateDevice, q.PrefillDevice, q.OutDevice), Is.EqualTo((Device.Cpu, Device.Cpu, Device.Cpu)));
        Assert.That((q.GenerateOp, q.PrefillOp), Is.EqualTo(("KLinearCPU", "KLinearCPU")));
        Assert.That(q.FallbackFrom, Is.EqualTo(new Device(DeviceKind.Cuda, 0)));
        Assert.That(plan.ExplainRow("model.layers.2.self_attn.q_proj")[5], Is.EqualTo("cpu (rule asked for cuda:0; CPU fallback)"));
        Assert.That(plan.Warnings, Has.Count.EqualTo(1).And.All.StartWith("test.yaml:1 (rule 1): 24 modules placed on cuda:0 run on the CPU instead (fallback: cuda:0 is not available"));
    }

    [Test]
    public void Plan_DefaultDeviceUnavailable_FailsOrFallsBack()
    {
        CudaRequirement.NoUsableDevice();
        var cuda = new Device(DeviceKind.Cuda, 0);
        var e = Assert.Throws<InjectionException>(() => Injector.Plan(DeepseekV2Lite(), [], new InjectionOptions { DefaultDevice = cuda }));
        Assert.That(e!.Message, Does.Contain("default device cuda:0").And.Contain("not available"));
        InjectionPlan plan = Injector.Plan(DeepseekV2Lite(), [], new InjectionOptions { DefaultDevice = cuda, FallbackToCpu = true });
        Assert.That(plan.Entries.Select(x => x.GenerateDevice), Is.All.EqualTo(Device.Cpu));
        Assert.That(plan.Warnings, Has.Exactly(1).Contains("default device cuda:0 is not available"));
    }

    [Test]
    public void Explain_ListsEveryModuleWithRuleOperatorAndDevice()
    {
        InjectionPlan plan = Plan(DeepseekV2Lite(layers: 2), """
            - match: { name: "\\.experts$" }
              replace:
                class: KTransformersExperts
                kwargs: { generate_op: KExpertsManaged, prefill_op: KExpertsTorch }
            - match: { name: "^nothing$" }
              replace: { class: default }
            """, file: "my-rules.yaml");
        string[] lines = plan.Explain().TrimEnd('\n').Split('\n');
        Assert.That(Columns(lines[0]), Is.EqualTo(new[] { "module", "class", "rule", "operator", "type", "device" }));
        Assert.That(lines.Skip(1).Count(l => !l.StartsWith("warning: ", StringComparison.Ordinal)), Is.EqualTo(plan.Root.Descendants().Count()));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.experts"),
            Is.EqualTo(new[] { "model.layers.1.mlp.experts", "Experts", "my-rules.yaml:1", "KTransformersExperts (gen KExpertsManaged, prefill KExpertsCPU)", "KTransformersExperts", "cpu" }));
        Assert.That(plan.ExplainRow("model.layers.1.self_attn.kv_b_proj"), Is.EqualTo(new[] { "model.layers.1.self_attn.kv_b_proj", "Linear", "default", "-" }));
        Assert.That(plan.ExplainRow("model.norm"), Is.EqualTo(new[] { "model.norm", "DeepseekV2RMSNorm", "default", "RMSNorm", "RmsNormOperator", "cpu" }));
        Assert.That(Columns(lines[1])[0], Is.EqualTo("(root)"));
        Assert.That(lines[^1], Is.EqualTo("warning: my-rules.yaml:5 (rule 2): rule matched no module (name ^nothing$, class -)"));
    }
}
