using System.Globalization;
using NativeInfer.Gguf;
using NativeInfer.Injection;
using NativeInfer.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// `nativeinfer inspect` through Program.Run on a reference model: metadata summarised (and complete with
/// --metadata-all), tensor counts and bytes by type as the file's table gives them, the config, the module
/// tree, and with --rules each module's operator and device as the injection plan decides.
/// </summary>
public class InspectCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    private static string Model => RepoPaths.RequireTestData("models/tiny-qwen2moe-q.gguf");

    [Test]
    public void Inspect_SummarisesMetadataTensorsConfigAndModules()
    {
        var (code, output, error) = Run("inspect", Model);
        Assert.That(code, Is.EqualTo(0), error);
        using GgufFile file = GgufFile.Open(Model);
        Assert.That(output, Does.StartWith($"file: {Model} (GGUF v3, ").And.Contain($"{file.Metadata.Count} metadata keys, {file.Tensors.Count} tensors)"));

        string tokens = output.Split('\n').Single(l => l.TrimStart().StartsWith("tokenizer.ggml.tokens ", StringComparison.Ordinal));
        Assert.That(tokens, Does.Contain("String[102400]").And.Contain("[\"!\", \"\\\"\", \"#\", \"$\", \"%\", \"&\", … (102400)]"));
        Assert.That(output, Does.Contain("qwen2moe.expert_count").And.Contain("UInt32"));

        // Counts and bytes per type, computed from the tensor table here.
        foreach (var g in file.Tensors.GroupBy(t => t.Type))
        {
            string row = output.Split('\n').Single(l => l.StartsWith($"  {g.Key.Name(),-6} ", StringComparison.Ordinal));
            Assert.That(row, Does.Contain($"{g.Count(),5} tensors"), g.Key.Name());
        }
        GgufTensor largest = file.Tensors.OrderByDescending(t => t.ByteSize).ThenBy(t => t.Index).First();
        Assert.That(output, Does.Contain($"  largest:\n    {largest.Name}"));
        Assert.That(output, Does.Contain($"tensors: {file.Tensors.Count}, {file.Tensors.Sum(t => t.ElementCount).ToString("N0", CultureInfo.InvariantCulture)} values"));

        Assert.That(output, Does.Contain("config (gguf:qwen2moe):"));
        Assert.That(output, Does.Match(@"\n  Attention\.NumKvHeads +2\n"));
        Assert.That(output, Does.Match(@"\n  Moe\.SharedGate +Sigmoid\n"));
        int modules = InferenceModel.CreatePlan(Model).Root.Descendants().Count();
        Assert.That(output, Does.Contain($"modules: {modules} ("));
        Assert.That(output, Does.Not.Contain("(root)"), "the tree only with --tree");
    }

    [Test]
    public void MetadataAll_PrintsWholeArrays()
    {
        var (code, output, _) = Run("inspect", Model, "--metadata-all");
        Assert.That(code, Is.EqualTo(0));
        using GgufFile file = GgufFile.Open(Model);
        string[] tokens = file.Metadata.GetStringArray("tokenizer.ggml.tokens");
        string line = output.Split('\n').Single(l => l.TrimStart().StartsWith("tokenizer.ggml.tokens ", StringComparison.Ordinal));
        // Checked without printing the line on failure: it holds all 102400 tokens.
        Assert.That(line.EndsWith($"\"{tokens[^1]}\"]", StringComparison.Ordinal), Is.True, "the last token closes the list");
        Assert.That(line.Contains($"\"{tokens[51234]}\"", StringComparison.Ordinal), Is.True, "a token from the middle is there");
        Assert.That(line.Contains("(102400)]", StringComparison.Ordinal), Is.False, "no cut-off marker");
    }

    [Test]
    public void Tree_ListsEveryModuleWithItsClass()
    {
        var (code, output, _) = Run("inspect", Model, "--tree");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("\n  (root)").And.Contain("Qwen2MoeForCausalLM"));
        Assert.That(output, Does.Match(@"\n {12}shared_expert_gate +Linear\n"), "model.layers.0.mlp.shared_expert_gate: depth 5, two spaces each, after the two-space margin");
    }

    [Test]
    public void Rules_ShowEachModulesOperatorDeviceAndRule()
    {
        string rules = Path.Combine(RepoPaths.Root, "rules", "qwen2-moe-cpu.yaml");
        var (code, output, error) = Run("inspect", Model, "--rules", rules);
        Assert.That(code, Is.EqualTo(0), error);
        InjectionPlan plan = InferenceModel.CreatePlan(Model, new ModelOptions { RulesPath = rules });
        PlannedOperator experts = plan.For("model.layers.1.mlp.experts")!;
        string line = output.Split('\n').Where(l => l.TrimStart().StartsWith("experts ", StringComparison.Ordinal)).ElementAt(1);
        Assert.That(line, Does.EndWith($"→ {experts.Operator!.Name} on cpu (qwen2-moe-cpu.yaml:{experts.Rule!.Location.Line})"));
    }

    [Test]
    public void NotAGgufFile_IsOneLine()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ni-inspect-{Guid.NewGuid():N}.gguf");
        File.WriteAllText(path, "definitely not GGUF");
        try
        {
            var (code, output, error) = Run("inspect", path);
            Assert.That(code, Is.EqualTo(1));
            Assert.That(output, Is.Empty);
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error, Does.StartWith("nativeinfer: ").And.Contain(Path.GetFileName(path)));
        }
        finally
        {
            File.Delete(path);
        }
        var missing = Run("inspect", "/no/such/model.gguf");
        Assert.That(missing.Code, Is.EqualTo(1));
        Assert.That(missing.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void RuleError_IsOneLine_AndNothingElseIsPrinted()
    {
        CudaRequirement.NoUsableDevice();
        string rules = RepoPaths.RequireTestData("rules/ktransformers-Qwen2-57B-A14B-Instruct.yaml");
        var (code, output, error) = Run("inspect", RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf"), "--rules", rules);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.Contain("ktransformers-Qwen2-57B-A14B-Instruct.yaml:61"));
    }
}
