using NativeInfer.Cli;
using NativeInfer.Tests.Injection;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>`nativeinfer rules explain MODEL RULES.yaml [--cpu-fallback]` through Program.Run.</summary>
public class RulesCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-rules-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    private string Write(string name, string yaml)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string[] Row(string output, string path) =>
        InjectionTrees.Columns(output.Split('\n').Single(l => l.StartsWith(path + " ", StringComparison.Ordinal)));

    private static void AssertOneLineError(int code, string error, int expectedCode, string startsWith)
    {
        Assert.That(code, Is.EqualTo(expectedCode), error);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.StartWith("nativeinfer: " + startsWith));
    }

    [Test]
    public void Explain_KTransformersDeepseekRules_WithFallback_ListsEveryModule()
    {
        CudaRequirement.NoUsableDevice();
        string model = RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.gguf");
        string rules = RepoPaths.RequireTestData("rules/ktransformers-DeepSeek-V2-Lite-Chat.yaml");
        var (code, output, error) = Run("rules", "explain", model, rules, "--cpu-fallback");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Is.Empty);
        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.That(InjectionTrees.Columns(lines[0]), Is.EqualTo(new[] { "module", "class", "rule", "operator", "type", "device" }));
        Assert.That(lines.Count(l => l.StartsWith("model.layers.", StringComparison.Ordinal)), Is.EqualTo(14 + 26 * 17), "layer 0 (dense) has 14 modules, the 26 MoE layers 17 each");
        Assert.That(Row(output, "model.layers.1.mlp.experts"), Is.EqualTo(new[]
        {
            "model.layers.1.mlp.experts", "Experts", "ktransformers-DeepSeek-V2-Lite-Chat.yaml:38", "KTransformersExperts (KExpertsCPU)",
            "KTransformersExperts", "cpu (rule asked for cuda:0; CPU fallback)",
        }));
        Assert.That(Row(output, "model.layers.3.self_attn.kv_b_proj"), Is.EqualTo(new[] { "model.layers.3.self_attn.kv_b_proj", "Linear", "default", "-" }));
        Assert.That(lines.Count(l => l.StartsWith("warning: ", StringComparison.Ordinal)), Is.EqualTo(6));
        Assert.That(lines[^1], Does.Match(@"^\d+ modules: \d+ decided by rules, 0 inside a parent, \d+ by default; 8 rules, 6 warning\(s\)$"));
    }

    [Test]
    public void CudaRule_WithoutTheCudaLibrary_IsOneLine_VerboseListsWhereItWasSearched()
    {
        CudaRequirement.NoLibrary();
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string rules = Write("gpu.yaml", """
            - match: { name: "^lm_head$" }
              replace: { class: KTransformersLinear, kwargs: { generate_device: cuda } }
            """);
        var (code, output, error) = Run("rules", "explain", model, rules);
        AssertOneLineError(code, error, 1, "gpu.yaml:1 (rule 1): lm_head is placed on cuda:0 (generate_device), but cuda:0 is not available: " +
                                            "libnativeinfer_cuda is not available");
        Assert.That(output, Is.Empty);

        var verbose = Run("rules", "explain", model, rules, "--verbose");
        Assert.That(verbose.Code, Is.EqualTo(1));
        Assert.That(verbose.Err.Split('\n')[0], Is.EqualTo(error.TrimEnd()), "the same one-line error first");
        foreach (string path in NativeInfer.Interop.NativeLibraryResolver.CandidatePaths(NativeInfer.Interop.CudaNativeMethods.LibraryName))
            Assert.That(verbose.Err, Does.Contain(path + ": not found"));
    }

    [Test]
    public void Explain_KTransformersRules_WithoutFallback_FailsInOneLine()
    {
        CudaRequirement.NoUsableDevice();
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string rules = RepoPaths.RequireTestData("rules/ktransformers-Qwen2-57B-A14B-Instruct.yaml");
        var (code, output, error) = Run("rules", "explain", model, rules);
        AssertOneLineError(code, error, 1, "ktransformers-Qwen2-57B-A14B-Instruct.yaml:61 (rule 8): model.layers.0.input_layernorm is placed on cuda:0");
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void Explain_ShippedCpuRules_DecideEveryModuleWithoutWarnings()
    {
        string model = RepoPaths.RequireTestData("models/tiny-deepseek2-f32.gguf");
        var (code, output, error) = Run("rules", "explain", model, Path.Combine(RepoPaths.Root, "rules", "deepseek-v2-cpu.yaml"));
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Not.Contain("warning:").And.Not.Contain(" default "));
        Assert.That(output.TrimEnd().Split('\n')[^1], Does.Match(@"^(\d+) modules: \1 decided by rules, 0 inside a parent, 0 by default; 13 rules, 0 warning\(s\)$"));
        Assert.That(Row(output, "model.layers.2.self_attn.q_a_layernorm")[2..], Is.EqualTo(new[] { "deepseek-v2-cpu.yaml:47", "RMSNorm", "RmsNormOperator", "cpu" }));
    }

    [Test]
    public void Explain_RuleThatMatchesNothing_IsAWarningLine()
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string rules = Write("mine.yaml", """
            - match: { name: "\\.mlp\\.experts$" }
              replace: { class: KTransformersExperts, kwargs: { generate_op: KExpertsManaged } }
              recursive: false
            - match: { class: DeepseekV2Attention }
              replace: { class: KDeepseekV2Attention }
            """);
        var (code, output, error) = Run("rules", "explain", model, rules);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Row(output, "model.layers.2.mlp.experts")[2..], Is.EqualTo(new[] { "mine.yaml:1", "KTransformersExperts (gen KExpertsManaged, prefill KExpertsCPU)", "KTransformersExperts", "cpu" }));
        Assert.That(output, Does.Contain("\nwarning: mine.yaml:4 (rule 2): rule matched no module (name -, class DeepseekV2Attention)\n"));
        Assert.That(output.TrimEnd().Split('\n')[^1], Does.EndWith("2 rules, 1 warning(s)"));
    }

    [TestCase("- match: { name: \"q_proj$\" }\n  replace: { class: KLinearGPU }\n", "bad.yaml:1 (rule 1): unknown operator 'KLinearGPU'")]
    [TestCase("- match: { name: \"(\" }\n  replace: { class: default }\n", "bad.yaml:1 (rule 1): bad regular expression '('")]
    [TestCase("- match: { name: \"self_attn$\" }\n  replace: { class: MultiHeadAttention, kwargs: { absorb_for_prefill: true } }\n",
        "bad.yaml:1 (rule 1): operator MultiHeadAttention has no kwarg 'absorb_for_prefill'")]
    [TestCase("- match:\n    name: x\n  replace: [default\n", "bad.yaml:")]
    public void Explain_RuleError_IsOneLineNamingFileAndLine(string yaml, string expected)
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        var (code, output, error) = Run("rules", "explain", model, Write("bad.yaml", yaml));
        AssertOneLineError(code, error, 1, expected);
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void Explain_MissingRuleFile_IsOneLine()
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        var (code, _, error) = Run("rules", "explain", model, Path.Combine(_dir, "none.yaml"));
        AssertOneLineError(code, error, 1, "rule file not found: ");
    }

    [TestCase(new[] { "rules" }, "missing subcommand (explain)")]
    [TestCase(new[] { "rules", "show", "m.gguf", "r.yaml" }, "unknown rules subcommand 'show' (expected: explain)")]
    [TestCase(new[] { "rules", "explain", "m.gguf" }, "missing rule file (RULES.yaml)")]
    [TestCase(new[] { "rules", "explain", "m.gguf", "r.yaml", "--gpus" }, "unknown option --gpus")]
    public void UsageErrors_ExitTwo(string[] args, string expected)
    {
        var (code, _, error) = Run(args);
        AssertOneLineError(code, error, 2, expected);
    }

    [Test]
    public void Help_ListsRulesAndLogits()
    {
        var (code, output, _) = Run("help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("\n  rules ").And.Contain("\n  logits "));
    }
}
