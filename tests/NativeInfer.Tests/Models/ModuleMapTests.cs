using NativeInfer.Models;

namespace NativeInfer.Tests.Models;

/// <summary>The module map: built-in names, unknown names, overrides from code, options and a YAML file written by the test.</summary>
public class ModuleMapTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-modulemap-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string Yaml(string text, string name = "map.yaml")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Aqn<T>() => typeof(T).AssemblyQualifiedName!;

    [TestCase("deepseek2", typeof(DeepseekDefinition))]
    [TestCase("DeepseekV2ForCausalLM", typeof(DeepseekDefinition))]
    [TestCase("qwen2moe", typeof(Qwen2MoeDefinition))]
    [TestCase("Qwen2MoeForCausalLM", typeof(Qwen2MoeDefinition))]
    [TestCase("llama", typeof(LlamaDefinition))]
    [TestCase("qwen2", typeof(LlamaDefinition))]
    [TestCase("mistral", typeof(LlamaDefinition))]
    [TestCase("mixtral", typeof(LlamaDefinition))]
    [TestCase("LlamaForCausalLM", typeof(LlamaDefinition))]
    [TestCase("Qwen2ForCausalLM", typeof(LlamaDefinition))]
    [TestCase("MistralForCausalLM", typeof(LlamaDefinition))]
    [TestCase("MixtralForCausalLM", typeof(LlamaDefinition))]
    public void BuiltIns_Resolve(string name, Type type)
    {
        var map = new ModuleMap();
        Assert.That(map.Resolve(name), Is.TypeOf(type));
        Assert.That(map.OriginOf(name), Is.EqualTo("built-in"));
    }

    [Test]
    public void UnknownName_ListsTheSupportedNames()
    {
        var e = Assert.Throws<ModuleMapException>(() => new ModuleMap().Resolve("mamba"))!;
        Assert.That(e.Message, Does.Contain("unknown architecture 'mamba'").And.Contain("deepseek2").And.Contain("Qwen2MoeForCausalLM").And.Contain("MixtralForCausalLM"));
        Assert.That(e.Architecture, Is.EqualTo("mamba"));
    }

    [Test]
    public void Register_FromCode_TypeInstanceAndGeneric()
    {
        var instance = new CustomLlamaDefinition();
        var map = new ModuleMap()
            .Register("deepseek2", typeof(CustomLlamaDefinition))
            .Register("x-arch", instance)
            .Register<CustomLlamaDefinition>("y-arch");
        Assert.That(map.Resolve("deepseek2"), Is.TypeOf<CustomLlamaDefinition>());
        Assert.That(map.Resolve("X-ARCH"), Is.SameAs(instance), "names compare case-insensitively");
        Assert.That(map.Resolve("y-arch"), Is.TypeOf<CustomLlamaDefinition>());
        var e = Assert.Throws<ModuleMapException>(() => map.Register("z", typeof(string)))!;
        Assert.That(e.Message, Does.Contain("type 'System.String' for 'z' does not implement NativeInfer.Models.IModelDefinition"));
    }

    [Test]
    public void Yaml_OverridesABuiltInAndAddsAName_ByAssemblyQualifiedName()
    {
        string path = Yaml($"""
            # my definitions
            deepseek2: {Aqn<CustomLlamaDefinition>()}
            MyModelForCausalLM: "{Aqn<CustomLlamaDefinition>()}"
            """);
        var map = new ModuleMap(new ModuleMapOptions { Files = { path } });
        Assert.That(map.Resolve("deepseek2"), Is.TypeOf<CustomLlamaDefinition>());
        Assert.That(map.Resolve("MyModelForCausalLM"), Is.TypeOf<CustomLlamaDefinition>());
        Assert.That(map.Resolve("qwen2moe"), Is.TypeOf<Qwen2MoeDefinition>(), "other built-ins stay");
        Assert.That(map.OriginOf("deepseek2"), Is.EqualTo("map.yaml:2"));
        Assert.That(map.OriginOf("MyModelForCausalLM"), Is.EqualTo("map.yaml:3"));
    }

    [Test]
    public void Options_ApplyFilesThenTypesThenInstances()
    {
        string path = Yaml($"llama: {Aqn<CustomLlamaDefinition>()}\nqwen2: {Aqn<CustomLlamaDefinition>()}\n");
        var options = new ModuleMapOptions { Files = { path } };
        options.Types["llama"] = typeof(Qwen2MoeDefinition);
        var instance = new DeepseekDefinition();
        options.Definitions["llama"] = instance;
        options.Types["qwen2"] = typeof(DeepseekDefinition);
        var map = new ModuleMap(options);
        Assert.That(map.Resolve("llama"), Is.SameAs(instance));
        Assert.That(map.Resolve("qwen2"), Is.TypeOf<DeepseekDefinition>());
    }

    [Test]
    public void Yaml_TypeThatDoesNotLoad_NamesFileLineAndType()
    {
        string path = Yaml($"llama: {Aqn<CustomLlamaDefinition>()}\nqwen2: My.Missing.Definition, My.Missing.Assembly\n");
        var e = Assert.Throws<ModuleMapException>(() => new ModuleMap().LoadYaml(path))!;
        Assert.That(e.Message, Does.StartWith($"{path}:2: cannot load type 'My.Missing.Definition, My.Missing.Assembly' for 'qwen2'"));
        Assert.That((e.File, e.Line, e.TypeName), Is.EqualTo((path, (int?)2, "My.Missing.Definition, My.Missing.Assembly")));

        string typo = Yaml($"llama: NativeInfer.Tests.Models.NoSuchDefinition, {typeof(CustomLlamaDefinition).Assembly.GetName().Name}\n", "typo.yaml");
        e = Assert.Throws<ModuleMapException>(() => new ModuleMap().LoadYaml(typo))!;
        Assert.That(e.Message, Does.StartWith($"{typo}:1: cannot load type 'NativeInfer.Tests.Models.NoSuchDefinition"));
    }

    [Test]
    public void Yaml_AtomicApply_NothingChangesWhenOneEntryFails()
    {
        var map = new ModuleMap();
        string path = Yaml($"llama: {Aqn<CustomLlamaDefinition>()}\nqwen2: {Aqn<DefinitionWithArguments>()}\n");
        var e = Assert.Throws<ModuleMapException>(() => map.LoadYaml(path))!;
        Assert.That(e.Message, Does.Contain($"{path}:2: type 'NativeInfer.Tests.Models.DefinitionWithArguments' for 'qwen2' needs a public parameterless constructor"));
        Assert.That(map.Resolve("llama"), Is.TypeOf<LlamaDefinition>(), "line 1 was not applied");
    }

    [TestCase("llama: System.String", 1, "type 'System.String' for 'llama' does not implement NativeInfer.Models.IModelDefinition")]
    [TestCase("llama: [a, b]", 1, "the value for 'llama' must be an assembly-qualified type name")]
    [TestCase("- llama\n- qwen2", 1, "expected a mapping of architecture names to type names")]
    [TestCase("a: System.String\n  llama: x: 1\nqwen2: X", 2, "invalid YAML")]
    [TestCase("# ok\nllama: X, Y\nLLAMA: X, Y", 3, "architecture 'LLAMA' is mapped twice")]
    [TestCase("llama: X, Y\nllama: X, Y", 2, "invalid YAML")]
    public void Yaml_Malformed_NamesFileAndLine(string text, int line, string message)
    {
        string path = Yaml(text);
        var e = Assert.Throws<ModuleMapException>(() => new ModuleMap().LoadYaml(path))!;
        Assert.That(e.Message, Does.StartWith($"{path}:{line}: ").And.Contain(message));
        Assert.That((e.File, e.Line), Is.EqualTo((path, (int?)line)));
    }

    [Test]
    public void Yaml_AbstractType_IsRefused()
    {
        string path = Yaml($"llama: {Aqn<AbstractDefinition>()}");
        Assert.That(Assert.Throws<ModuleMapException>(() => new ModuleMap().LoadYaml(path))!.Message, Does.Contain("is abstract"));
    }

    [Test]
    public void Yaml_EmptyOrCommentsOnly_MapsNothing()
    {
        var map = new ModuleMap().LoadYaml(Yaml("# nothing yet\n"));
        Assert.That(map.Names, Is.EqualTo(new ModuleMap().Names));
    }

    [Test]
    public void Yaml_MissingFile_IsAModuleMapException()
    {
        string path = Path.Combine(_dir, "absent.yaml");
        var e = Assert.Throws<ModuleMapException>(() => new ModuleMap().LoadYaml(path))!;
        Assert.That(e.Message, Does.StartWith($"{path}: cannot read the module map file"));
    }
}
