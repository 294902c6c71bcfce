using NativeInfer.Formats;
using NativeInfer.Injection;
using NativeInfer.Models;
using NativeInfer.Tests.Support;
using static NativeInfer.Tests.Support.Cli;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// YAML built to hurt: nesting deep enough to overflow YamlDotNet's recursive parser (which used to end
/// the process with exit 134), and more than one document. Every command that reads YAML answers with a
/// one-line error naming file:line and leaves nothing behind.
/// </summary>
[NonParallelizable]
public class HostileYamlCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-hostile-yaml-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static readonly string DeepFlow = new string('[', 60_000) + "\n";
    private static readonly string DeepBlock = string.Concat(Enumerable.Range(0, 1_000).Select(i => new string(' ', i) + "- \n"));

    private static string Model => RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");

    [Test]
    public void RuleFile_DeepNesting_IsAnInjectionErrorAtFileAndLine()
    {
        var flow = Assert.Throws<InjectionException>(() => RuleFile.Parse(DeepFlow, "deep.yaml"))!;
        Assert.That(flow.Message, Is.EqualTo($"deep.yaml:1: the YAML nests deeper than {YamlLimits.MaxDepth} levels (indentation, '- ' entries and open [ and {{ together)"));
        var block = Assert.Throws<InjectionException>(() => RuleFile.Parse(DeepBlock, "deep.yaml"))!;
        Assert.That(block.Message, Does.Match(@"^deep\.yaml:\d\d: the YAML nests deeper than"));
    }

    [Test]
    public void RuleFile_MoreThanOneDocument_SaysOneDocumentIsExpected()
    {
        string yaml = "- match: { name: \"^lm_head$\" }\n  replace: { class: default }\n---\n- match: { name: x }\n  replace: { class: default }\n";
        var e = Assert.Throws<InjectionException>(() => RuleFile.Parse(yaml, "two.yaml"))!;
        Assert.That(e.Message, Is.EqualTo("two.yaml:3: a rule file holds one YAML document; a second one starts here"));
    }

    [Test]
    public void ModuleMap_DeepNesting_IsAModuleMapErrorAtFileAndLine()
    {
        string path = Write("map.yaml", "deepseek2: " + DeepFlow);
        var e = Assert.Throws<ModuleMapException>(() => new ModuleMap().LoadYaml(path))!;
        Assert.That(e.Message, Does.StartWith($"{path}:1: the YAML nests deeper than"));
        Assert.That((e.File, e.Line), Is.EqualTo((path, 1)));
    }

    [Test]
    public void ModuleMap_MoreThanOneDocument_SaysOneDocumentIsExpected()
    {
        string path = Write("map.yaml", "# my map\n---\nx: A, B\n---\ny: C, D\n");
        var e = Assert.Throws<ModuleMapException>(() => new ModuleMap().LoadYaml(path))!;
        Assert.That(e.Message, Is.EqualTo($"{path}:4: a module map holds one YAML document; a second one starts here"));
    }

    [Test]
    public void EveryCommandReadingYaml_DeepNesting_OneLineErrorNamingFileAndLine()
    {
        string model = Model;
        string deep = Write("deep.yaml", DeepFlow);
        string expected = "deep.yaml:1: the YAML nests deeper than";
        AssertOneLineError(Run("rules", "explain", model, deep), 1, expected);
        AssertOneLineError(Run("inspect", model, "--rules", deep), 1, expected);
        AssertOneLineError(Run("generate", model, "--rules", deep, "--prompt", "hello", "--max-tokens", "2"), 1, expected);
        AssertOneLineError(Run("check", model, "--module-map", deep), 1, $"{deep}:1: the YAML nests deeper than");

        string output = Path.Combine(_dir, "logits.f32");
        var logits = Run("logits", model, "--tokens", "1,2", "--rules", deep, "--out", output);
        AssertOneLineError(logits, 1, expected);
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "deep.yaml" }), "no OUT or OUT.partial left");
    }
}
