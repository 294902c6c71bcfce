using NativeInfer.Injection;
using NativeInfer.Tests.Support;
using static NativeInfer.Tests.Injection.InjectionTrees;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// Every way a rule file can be wrong fails with an <see cref="InjectionException"/> whose message names
/// the file, the line and the rule (and the operator / kwarg / module where one is involved).
/// </summary>
public class RuleErrorTests
{
    /// <summary>Parses and plans <paramref name="yaml"/> on a DeepSeek-V2-Lite tree; returns the message of the exception it must throw.</summary>
    private static string Fails(string yaml, InjectionOptions? options = null)
    {
        var e = Assert.Throws<InjectionException>(() => Plan(DeepseekV2Lite(), yaml, options, file: "bad.yaml"));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Not.Contain('\n'), "one line");
        return e.Message;
    }

    [Test]
    public void UnknownOperator_NamesRuleAndKnownOperators()
    {
        string m = Fails("""
            - match: { class: torch.nn.Linear }
              replace: { class: default }
            - match: { name: "\\.experts$" }
              replace: { class: ktransformers.operators.experts.KExpertsNope }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:3 (rule 2): unknown operator 'ktransformers.operators.experts.KExpertsNope'")
                           .And.Contain("KTransformersExperts").And.Contain("assembly-qualified"));
    }

    [Test]
    public void UnknownAssemblyQualifiedOperator_IsUnknown()
    {
        string m = Fails("""
            - match: { name: "q_proj$" }
              replace: { class: "NativeInfer.Tests.Injection.NoSuchOperator, NativeInfer.Tests" }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:1 (rule 1): unknown operator 'NativeInfer.Tests.Injection.NoSuchOperator, NativeInfer.Tests'"));
    }

    [Test]
    public void UnknownKwarg_NamesRuleOperatorAndWhatItTakes()
    {
        string m = Fails("""
            - match: { name: "self_attn$" }
              replace:
                class: KDeepseekV2Attention
                kwargs:
                  generate_device: cpu
                  absorb: true
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:1 (rule 1): operator KDeepseekV2Attention has no kwarg 'absorb' (it takes: absorb_for_prefill)"));
    }

    [Test]
    public void UnknownKwarg_OnOperatorWithoutOptions_SaysItTakesNone()
    {
        string m = Fails("""
            - match: { class: torch.nn.Linear }
              replace: { class: KTransformersLinear, kwargs: { scale: 2.0 } }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:1 (rule 1): operator KTransformersLinear has no kwarg 'scale'").And.Contain("takes none"));
    }

    [Test]
    public void BadRegex_NamesTheLineOfThePattern()
    {
        string m = Fails("""
            - match:
                class: torch.nn.Linear
                name: "^model\\.(layers"
              replace: { class: KTransformersLinear }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:3 (rule 1): bad regular expression '^model\\.(layers'"));
    }

    [TestCase("absorb_for_prefill: maybe", "kwarg 'absorb_for_prefill' must be true or false (got 'maybe')")]
    [TestCase("absorb_for_prefill: [true]", "kwarg 'absorb_for_prefill' must be a Boolean (got a list)")]
    public void WrongKwargType_NamesTheLineOfTheValue(string kwarg, string expected)
    {
        string m = Fails($"""
            - match: {"{"} name: "self_attn$" {"}"}
              replace:
                class: KDeepseekV2Attention
                kwargs:
                  {kwarg}
            """);
        Assert.That(m, Is.EqualTo($"bad.yaml:5 (rule 1): {expected}"));
    }

    [Test]
    public void WrongKwargType_Integer()
    {
        string m = Fails("""
            - match: { name: "^model$" }
              replace:
                class: KDeepseekV2Model
                kwargs:
                  per_layer_prefill_intput_threshold: lots
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:5 (rule 1): kwarg 'per_layer_prefill_intput_threshold' must be an integer (got 'lots')"));
    }

    [Test]
    public void NotADevice_NamesTheKwargLine()
    {
        string m = Fails("""
            - match: { name: "\\.experts$" }
              replace:
                class: KTransformersExperts
                kwargs:
                  generate_device: tpu
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:5 (rule 1): generate_device 'tpu' is not a device (cpu, cuda, cuda:N)"));
    }

    [Test]
    public void CatastrophicBacktracking_NamesTheRuleAndTheRegex()
    {
        // (.|..)* can split a 40-character path in ~10^8 ways before '!' fails: far past the 1 s limit.
        string m = Fails("""
            - match: { class: torch.nn.Linear }
              replace: { class: default }
            - match: { name: "^(.|..)*!$" }
              replace: { class: default }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:3 (rule 2): match.name '^(.|..)*!$' ran past its 1 s limit on 'model"));
        Assert.That(m, Does.Contain("catastrophic backtracking"));
    }

    [Test]
    public void ControlCharactersFromTheFile_AreEscaped_TheErrorStaysOneLine()
    {
        string m = Fails("""
            - match: { name: "q_proj$" }
              replace: { class: "Evil\nOperator\e[2J\u2028" }
            """);
        Assert.That(m, Does.StartWith(@"bad.yaml:1 (rule 1): unknown operator 'Evil\nOperator\x1b[2J\u2028'"));
        Assert.That(m.Any(c => char.IsControl(c) || c == '\u2028'), Is.False);
    }

    [Test]
    public void CudaWithoutFallback_FailsNamingModuleAndTheWayOut()
    {
        CudaRequirement.NoUsableDevice();
        string m = Fails("""
            - match: { name: "\\.experts$" }
              replace: { class: default }
            - match: { name: "self_attn$" }
              replace:
                class: KDeepseekV2Attention
                kwargs: { generate_device: cuda, prefill_device: cuda }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:3 (rule 2): model.layers.0.self_attn is placed on cuda:0 (generate_device), but cuda:0 is not available")
                           .And.Contain("--cpu-fallback").And.Contain("FallbackToCpu"));
    }

    [Test]
    public void DeviceTheProbeDoesNotHave_FailsWithTheProbesReason()
    {
        var options = new InjectionOptions { DeviceProbe = d => d.Index == 0 ? (true, "") : (false, $"this machine has 1 GPU, no {d}") };
        string m = Fails("""
            - match: { name: "\\.experts$" }
              replace: { class: KTransformersExperts, kwargs: { prefill_device: "cuda:1" } }
            """, options);
        Assert.That(m, Does.StartWith("bad.yaml:1 (rule 1): model.layers.1.mlp.experts is placed on cuda:1 (prefill_device), but cuda:1 is not available: this machine has 1 GPU, no cuda:1"));
        // The device exists, but the experts have no CUDA implementation: still an error, with that reason.
        m = Fails("""
            - match: { name: "\\.experts$" }
              replace: { class: KTransformersExperts, kwargs: { prefill_device: "cuda:0" } }
            """, options);
        Assert.That(m, Does.StartWith("bad.yaml:1 (rule 1): model.layers.1.mlp.experts is placed on cuda:0 (prefill_device), but operator KTransformersExperts has no CUDA implementation yet"));
        Assert.DoesNotThrow(() => Plan(DeepseekV2Lite(), """
            - match: { class: torch.nn.Linear, name: "^model\\.layers\\.(?!.*kv_b_proj)" }
              replace: { class: KTransformersLinear, kwargs: { prefill_device: "cuda:0" } }
            """, options));
    }

    [Test]
    public void MarlinOnTheCpu_Fails()
    {
        string m = Fails("""
            - match: { class: torch.nn.Linear }
              replace: { class: KTransformersLinear, kwargs: { generate_op: KLinearMarlin } }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:1 (rule 1): KLinearMarlin runs on a CUDA device, but model.layers.0.self_attn.q_proj is placed on the CPU"));
    }

    [TestCase("KTransformersLinear", "generate_op: KLinearFast", "unknown linear op 'KLinearFast'")]
    [TestCase("KTransformersExperts", "prefill_op: KExpertsGPU", "unknown experts op 'KExpertsGPU'")]
    public void UnknownOp_NamesTheKnownOnes(string op, string kwarg, string expected)
    {
        string module = op == "KTransformersLinear" ? "q_proj$" : "\\\\.experts$";
        string m = Fails($"""
            - match: {"{"} name: "{module}" {"}"}
              replace:
                class: {op}
                kwargs: {"{"} {kwarg} {"}"}
            """);
        Assert.That(m, Does.StartWith($"bad.yaml:1 (rule 1): {expected}").And.Contain("(known: "));
    }

    [Test]
    public void OpOnAnOperatorWithoutOps_Fails()
    {
        string m = Fails("""
            - match: { class: RMSNorm }
              replace: { class: RMSNorm, kwargs: { generate_op: KLinearCPU } }
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:1 (rule 1): operator RMSNorm takes no generate_op / prefill_op"));
    }

    [Test]
    public void MalformedYaml_NamesTheLine()
    {
        string m = Fails("""
            - match:
                name: "q_proj$"
              replace:
                class: [KTransformersLinear
            - match: { class: RMSNorm }
            """);
        Assert.That(m, Does.Match(@"^bad\.yaml:\d+: malformed YAML: "));
        int line = int.Parse(m.Split(':')[1]);
        Assert.That(line, Is.InRange(4, 6), "the error is reported where the parser gave up, near the unclosed list");
    }

    [Test]
    public void TabsInYaml_AreMalformed()
    {
        string m = Fails("- match:\n\tname: x\n  replace: { class: default }\n");
        Assert.That(m, Does.Match(@"^bad\.yaml:[12]: malformed YAML: "));
    }

    [Test]
    public void NotAList_Fails()
    {
        string m = Fails("""
            match: { name: x }
            replace: { class: default }
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:1: a rule file is a list of rules (- match: … replace: …)"));
    }

    [Test]
    public void MissingMatch_NamesTheRule()
    {
        string m = Fails("""
            - match: { name: "q_proj$" }
              replace: { class: default }
            - replace: { class: KTransformersLinear }
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:3 (rule 2): the rule has no match"));
    }

    [Test]
    public void MissingReplace_NamesTheRule()
    {
        string m = Fails("""
            - match: { name: "q_proj$" }
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:1 (rule 1): the rule has no replace"));
    }

    [Test]
    public void ReplaceWithoutClass_SaysUseDefault()
    {
        string m = Fails("""
            - match: { name: "q_proj$" }
              replace: { kwargs: { generate_device: cpu } }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:1 (rule 1): replace has no class").And.Contain("\"default\""));
    }

    [Test]
    public void MatchWithNeitherNameNorClass_Fails()
    {
        Assert.That(Fails("""
            - match: {}
              replace: { class: default }
            """), Is.EqualTo("bad.yaml:1 (rule 1): match needs a name or a class"));
    }

    [Test]
    public void MisspelledKeys_AreErrorsNotIgnored()
    {
        Assert.That(Fails("""
            - match: { nmae: "q_proj$" }
              replace: { class: default }
            """), Does.StartWith("bad.yaml:1 (rule 1): unknown match key 'nmae'"));
        Assert.That(Fails("""
            - match: { name: "q_proj$" }
              replace: { class: default }
              recursve: false
            """), Does.StartWith("bad.yaml:3 (rule 1): unknown key 'recursve'"));
        Assert.That(Fails("""
            - match: { name: "q_proj$" }
              replace: { class: default, kwarg: {} }
            """), Does.StartWith("bad.yaml:2 (rule 1): unknown replace key 'kwarg'"));
    }

    [Test]
    public void RecursiveNotABoolean_Fails()
    {
        Assert.That(Fails("""
            - match: { name: "q_proj$" }
              replace: { class: default }
              recursive: sometimes
            """), Is.EqualTo("bad.yaml:3 (rule 1): recursive must be true or false"));
    }

    [Test]
    public void UnknownModuleClass_NamesTheLine()
    {
        string m = Fails("""
            - match:
                class: torch.nn.Conv2d
              replace: { class: default }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:2 (rule 1): unknown module class 'torch.nn.Conv2d'").And.Contain("DeepseekV2MoE"));
    }

    [Test]
    public void OperatorNotApplicableToTheModuleClass_NamesModuleAndWhatItHandles()
    {
        string m = Fails("""
            - match: { name: "self_attn$" }
              replace: { class: ktransformers.operators.experts.KTransformersExperts }
            """);
        Assert.That(m, Is.EqualTo("bad.yaml:1 (rule 1): operator KTransformersExperts does not apply to model.layers.0.self_attn (DeepseekV2Attention); it handles Experts"));
    }

    [Test]
    public void QwenMoeOperatorOnDeepseekBlock_IsNotApplicable()
    {
        string m = Fails("""
            - match: { name: "^model\\.layers\\..*\\.mlp$", class: DeepseekV2MoE }
              replace: { class: KQwen2MoeSparseMoeBlock }
            """);
        Assert.That(m, Does.StartWith("bad.yaml:1 (rule 1): operator KQwen2MoeSparseMoeBlock does not apply to model.layers.1.mlp (DeepseekV2MoE)"));
    }

    [TestCase("{ 2: cpu, 1: tpu }", "transfer_map layer 1 names unknown device 'tpu'")]
    [TestCase("{ -1: cpu }", "transfer_map names layer -1; layers are numbered from 0")]
    [TestCase("{ 2: cuda }", "transfer_map layer 2 moves to cuda:0, which is not available")]
    public void BadTransferMap_NamesTheRuleAndLayer(string map, string expected)
    {
        if (map.Contains("cuda")) CudaRequirement.NoUsableDevice();
        string m = Fails($"""
            - match: {"{"} name: "^model$" {"}"}
              replace:
                class: KDeepseekV2Model
                kwargs:
                  transfer_map: {map}
            """);
        Assert.That(m, Does.StartWith($"bad.yaml:1 (rule 1): {expected}"));
    }

    [Test]
    public void TransferMapBeyondTheLastLayer_IsAWarning_AsItNeverApplies()
    {
        // KTransformers' multi-GPU files name layer 30 of DeepSeek-V3's 61; on a smaller model of the
        // architecture the entry never applies (KTransformers' loop never reaches it).
        InjectionPlan plan = Injector.Plan(InjectionTrees.DeepseekV2Lite(), RuleFile.Parse("""
            - match: { name: "^model$" }
              replace:
                class: KDeepseekV2Model
                kwargs:
                  transfer_map: { 2: cpu, 9: cpu }
            """, "map.yaml"));
        Assert.That(plan.Warnings, Has.One.EqualTo("map.yaml:1 (rule 1): transfer_map names layer 9, but the model has layers 0 to 3: it never applies"));
    }

    [TestCase("[cpu, cuda]", "must be a mapping of layer index to device (got a list)")]
    [TestCase("{ first: cpu }", "must be a mapping whose keys are layer indices (got a mapping)")]
    public void TransferMapOfTheWrongShape_NamesTheLine(string map, string expected)
    {
        string m = Fails($"""
            - match: {"{"} name: "^model$" {"}"}
              replace:
                class: KDeepseekV2Model
                kwargs:
                  transfer_map: {map}
            """);
        Assert.That(m, Is.EqualTo($"bad.yaml:5 (rule 1): kwarg 'transfer_map' {expected}"));
    }

    [Test]
    public void TransferMapToCuda_WithFallback_IsAccepted()
    {
        InjectionPlan plan = Plan(DeepseekV2Lite(), """
            - match: { name: "^model$" }
              replace: { class: KDeepseekV2Model, kwargs: { transfer_map: { 2: cuda } } }
            """, new InjectionOptions { FallbackToCpu = true });
        Assert.That(((NativeInfer.Operators.DecoderStackOptions)plan.Entry("model").Options!).TransferMap, Is.EqualTo(new Dictionary<int, string> { [2] = "cuda" }));
    }

    [Test]
    public void RuleFileLoad_UsesTheFileNameInMessages()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ni-rules-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "- match: { name: \"(\" }\n  replace: { class: default }\n");
        try
        {
            var e = Assert.Throws<InjectionException>(() => RuleFile.Load(path));
            Assert.That(e!.Message, Does.StartWith($"{Path.GetFileName(path)}:1 (rule 1): bad regular expression"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
