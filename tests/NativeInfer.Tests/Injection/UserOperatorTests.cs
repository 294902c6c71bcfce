using NativeInfer.Injection;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tests.Runtime;
using NativeInfer.Tests.Support;
using static NativeInfer.Tests.Injection.InjectionTrees;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// A user operator written in C# (<see cref="ScaledLinear"/> in this assembly), named in YAML by its
/// assembly-qualified type, with options bound from kwargs, running inside the tiny models.
/// </summary>
[NonParallelizable]
public class UserOperatorTests
{
    private const string TypeName = "NativeInfer.Tests.Injection.ScaledLinear, NativeInfer.Tests";

    private static IReadOnlyList<InjectionRule> Rule(string name, string kwargs) => RuleFile.Parse($"""
        - match:
            name: "{name}"
            class: torch.nn.Linear
          replace:
            class: "{TypeName}"
            kwargs: {kwargs}
        """, "user.yaml");

    /// <summary>The reference protocol's logits ([positions][vocab]) of <paramref name="model"/> under <paramref name="rules"/>.</summary>
    private static float[][] Logits(string model, IReadOnlyList<InjectionRule> rules, out InjectionPlan plan)
    {
        var (m, reference) = ReferenceModelTests.Load(model, new ModelOptions { Rules = rules });
        using (m)
        {
            plan = m.Plan;
            using InferenceSession s = m.CreateSession(new SessionOptions { Threads = 2, ContextLength = 64 });
            return reference.Run(s);
        }
    }

    private static void AssertBitwiseEqual(float[][] actual, float[][] expected, Func<float, float> expectedOf)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int p = 0; p < expected.Length; p++)
            for (int i = 0; i < expected[p].Length; i++)
                if (BitConverter.SingleToInt32Bits(actual[p][i]) != BitConverter.SingleToInt32Bits(expectedOf(expected[p][i])))
                    Assert.Fail($"position {p}, id {i}: {actual[p][i]:R} vs expected {expectedOf(expected[p][i]):R} (from {expected[p][i]:R})");
    }

    [Test]
    public void Plan_AssemblyQualifiedType_ResolvesAndBindsKwargsToItsOptions()
    {
        InjectionPlan plan = Injector.Plan(DeepseekV2Lite(), Rule("^lm_head$", "{ scale: 2.5 }"));
        PlannedOperator head = plan.Entry("lm_head");
        Assert.That(head.Operator!.OperatorType, Is.EqualTo(typeof(ScaledLinear)));
        Assert.That(head.Options, Is.TypeOf<ScaledLinearOptions>().With.Property(nameof(ScaledLinearOptions.Scale)).EqualTo(2.5f));
        Assert.That(plan.ExplainRow("lm_head")[2..], Is.EqualTo(new[] { "user.yaml:1", "NativeInfer.Tests.Injection.ScaledLinear", "NativeInfer.Tests.Injection.ScaledLinear", "cpu" }));
    }

    [Test]
    public void Plan_UserOperatorKwargOfTheWrongType_FailsNamingTheLine()
    {
        var e = Assert.Throws<InjectionException>(() => Injector.Plan(DeepseekV2Lite(), Rule("^lm_head$", "{ scale: twice }")));
        Assert.That(e!.Message, Is.EqualTo("user.yaml:6 (rule 1): kwarg 'scale' must be a number (got 'twice')"));
    }

    [Test]
    public void Plan_UserOperatorUnknownKwarg_ListsWhatItTakes()
    {
        var e = Assert.Throws<InjectionException>(() => Injector.Plan(DeepseekV2Lite(), Rule("^lm_head$", "{ factor: 2 }")));
        Assert.That(e!.Message, Is.EqualTo("user.yaml:1 (rule 1): operator NativeInfer.Tests.Injection.ScaledLinear has no kwarg 'factor' (it takes: scale)"));
    }

    [Test]
    public void Plan_UserOperatorTakesNoOps()
    {
        var e = Assert.Throws<InjectionException>(() => Injector.Plan(DeepseekV2Lite(), Rule("^lm_head$", "{ generate_op: KLinearCPU }")));
        Assert.That(e!.Message, Does.StartWith("user.yaml:1 (rule 1): operator NativeInfer.Tests.Injection.ScaledLinear takes no generate_op"));
    }

    [Test]
    public void Load_UserOperatorOnTheWrongModule_FailsNamingTheRule()
    {
        var rules = RuleFile.Parse($"""
            - match: {"{"} name: "^model\\.norm$" {"}"}
              replace: {"{"} class: "{TypeName}" {"}"}
            """, "user.yaml");
        var e = Assert.Throws<ModelLoadException>(() => ReferenceModelTests.Load("tiny-deepseek2-lite-f32", new ModelOptions { Rules = rules }).Model.Dispose());
        Assert.That(e!.Message, Is.EqualTo("user.yaml:1 (rule 1): cannot create NativeInfer.Tests.Injection.ScaledLinear for model.norm: ScaledLinear needs a Linear module, got DeepseekV2RMSNorm"));
    }

    [Test]
    public void Plan_UserOperatorRegisteredByName_GetsTheModuleClassCheck()
    {
        // Registered with the module classes it handles, a user operator is named like a built-in and a
        // rule that puts it on anything else fails while planning, not at load.
        var registry = OperatorRegistry.CreateDefault();
        registry.Register(new OperatorDescriptor("ScaledLinear", typeof(ScaledLinear), [typeof(NativeInfer.Models.Modules.Linear)], typeof(ScaledLinearOptions)));
        var options = new InjectionOptions { Operators = registry };
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match: { name: "^lm_head$" }
              replace: { class: ScaledLinear, kwargs: { scale: 0.5 } }
            """, options);
        Assert.That(((ScaledLinearOptions)plan.Entry("lm_head").Options!).Scale, Is.EqualTo(0.5f));
        var e = Assert.Throws<InjectionException>(() => Plan(DeepseekV2Lite(), """
            - match: { name: "^model\\.norm$" }
              replace: { class: ScaledLinear }
            """, options));
        Assert.That(e!.Message, Is.EqualTo("test.yaml:1 (rule 1): operator ScaledLinear does not apply to model.norm (DeepseekV2RMSNorm); it handles Linear"));
    }

    [Test]
    public void Run_ScaleTwoOnLmHead_DoublesEveryLogitExactly()
    {
        // lm_head is the last operation, so the prediction is exact: 2·x is exact in binary floating point.
        float[][] baseline = Logits("tiny-deepseek2-lite-f32", [], out _);
        float[][] scaled = Logits("tiny-deepseek2-lite-f32", Rule("^lm_head$", "{ scale: 2.0 }"), out InjectionPlan plan);
        Assert.That(plan.Entry("lm_head").Operator!.OperatorType, Is.EqualTo(typeof(ScaledLinear)));
        AssertBitwiseEqual(scaled, baseline, x => 2 * x);
    }

    [TestCase("tiny-deepseek2-lite-f32", "^model\\\\.layers\\\\.5\\\\.self_attn\\\\.o_proj$")]
    [TestCase("tiny-qwen2moe-f32", "^model\\\\.layers\\\\.1\\\\.self_attn\\\\.q_proj$")]  // with a bias
    public void Run_ScaleOneInsideTheModel_LogitsEqualTheDefaultOperatorsBitForBit(string model, string projection)
    {
        float[][] baseline = Logits(model, [], out _);
        float[][] same = Logits(model, Rule(projection, "{ scale: 1.0 }"), out InjectionPlan plan);
        Assert.That(plan.Entries.Count(e => e.Operator?.OperatorType == typeof(ScaledLinear)), Is.EqualTo(1));
        AssertBitwiseEqual(same, baseline, x => x);
    }

    [Test]
    public void Run_ScaleTwoInsideTheModel_ChangesTheLogits()
    {
        // The counterpart of the bit-for-bit test: the operator really is the one computing that projection.
        float[][] baseline = Logits("tiny-deepseek2-lite-f32", [], out _);
        float[][] changed = Logits("tiny-deepseek2-lite-f32", Rule("^model\\\\.layers\\\\.5\\\\.self_attn\\\\.o_proj$", "{ scale: 2.0 }"), out _);
        double maxDiff = 0;
        for (int p = 0; p < baseline.Length; p++)
            for (int i = 0; i < baseline[p].Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(changed[p][i] - baseline[p][i]));
        Assert.That(maxDiff, Is.GreaterThan(1e-3));
    }
}
