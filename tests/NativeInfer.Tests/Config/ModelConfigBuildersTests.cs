using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Formats;
using NativeInfer.Gguf;

namespace NativeInfer.Tests.Config;

/// <summary>The registry: highest priority wins, ties and no match are errors naming the builders, user builders, BuiltBy.</summary>
public class ModelConfigBuildersTests
{
    private static ModelSource Source(string json = HfConfigs.Llama2_7B) => ModelSource.FromConfig(HuggingFaceConfig.Parse(json, "config.json"));

    private sealed class FixedBuilder(string name, int priority, bool matches, int hidden = 4096) : IModelConfigBuilder
    {
        public string Name => name;
        public int Priority => priority;
        public bool CanBuild(ModelSource source) => matches;
        public ModelConfig Build(ModelSource source)
        {
            ModelConfig llama = new ModelConfigBuilders().Build(source);
            return (llama with
            {
                BuiltBy = name, HiddenSize = hidden,
                Attention = llama.Attention with { HeadDim = hidden / 32, ValueHeadDim = hidden / 32 },
                Rope = llama.Rope with { Dimensions = hidden / 32 },
            }).Validate();
        }
    }

    [Test]
    public void BuiltIns_AreRegistered_WithUniqueNames()
    {
        var names = new ModelConfigBuilders().Builders.Select(b => b.Name).ToList();
        Assert.That(names, Is.Unique);
        Assert.That(names, Is.SupersetOf(new[] { "gguf:deepseek2", "hf:deepseek_v2", "gguf:qwen2moe", "hf:qwen2_moe", "gguf:llama", "hf:llama",
            "gguf:qwen2", "hf:qwen2", "gguf:mixtral", "hf:mixtral", "gguf:default", "hf:default" }));
        Assert.That(ModelConfigBuilders.Empty().Builders, Is.Empty);
    }

    [Test]
    public void HigherPriority_Wins_AndSetsBuiltBy()
    {
        var builders = new ModelConfigBuilders().Register(new FixedBuilder("mine", 200, true, hidden: 2048));
        ModelConfig c = builders.Build(Source(), out IModelConfigBuilder chosen);
        Assert.That((chosen.Name, c.BuiltBy, c.HiddenSize), Is.EqualTo(("mine", "mine", 2048)));
        Assert.That(builders.Select(Source()).Name, Is.EqualTo("mine"));
    }

    [Test]
    public void LowerPriority_Loses_ToBuiltIn()
    {
        var builders = new ModelConfigBuilders().Register(new FixedBuilder("weak", 50, true));
        Assert.That(builders.Select(Source()).Name, Is.EqualTo("hf:llama"));
    }

    [Test]
    public void TwoMatches_AtTheHighestPriority_IsAnErrorNamingBoth()
    {
        var builders = new ModelConfigBuilders()
            .Register(new FixedBuilder("alpha", 300, true))
            .Register(new FixedBuilder("beta", 300, true))
            .Register(new FixedBuilder("gamma", 300, false));
        var e = Assert.Throws<ModelConfigException>(() => builders.Build(Source()))!;
        Assert.That(e.Message, Does.Contain("config builders 'alpha' and 'beta' both match architecture 'LlamaForCausalLM' at priority 300"));
        Assert.That(e.Message, Does.Not.Contain("gamma"));
        Assert.That(e.SourceDescription, Is.EqualTo("config.json"));
    }

    [Test]
    public void TieBelowTheWinner_IsNotAnError()
    {
        var builders = new ModelConfigBuilders().Register(new FixedBuilder("alpha", 100, true));
        // alpha ties hf:llama at 100, but a higher one decides.
        builders.Register(new FixedBuilder("top", 150, true, hidden: 1024));
        Assert.That(builders.Build(Source()).HiddenSize, Is.EqualTo(1024));
        builders.Unregister("top");
        Assert.That(Assert.Throws<ModelConfigException>(() => builders.Build(Source()))!.Message, Does.Contain("'hf:llama' and 'alpha'"));
    }

    [Test]
    public void DelegateRegistration_AndUserConditionOverTheSource()
    {
        var builders = new ModelConfigBuilders().Register("only-big", 500,
            s => s.Format == ModelFormat.HuggingFace && s.HfConfig!.GetInt("num_hidden_layers") > 40,
            s => new ModelConfigBuilders().Build(s) with { ContextLength = 1 });
        Assert.That(builders.Build(Source()).BuiltBy, Is.EqualTo("hf:llama"), "32 layers: the condition does not hold");
        Assert.That(builders.Build(Source(HfConfigs.Llama2_7B.Replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": 48"))).ContextLength, Is.EqualTo(1));
    }

    [Test]
    public void DuplicateName_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelConfigBuilders().Register(new FixedBuilder("gguf:llama", 1, false)))!;
        Assert.That(e.Message, Does.Contain("'gguf:llama' is registered already"));
    }

    [Test]
    public void ConditionThatThrows_IsReportedWithTheBuilder()
    {
        var builders = ModelConfigBuilders.Empty().Register("fragile", 1, _ => throw new InvalidOperationException("boom"), s => throw new NotSupportedException());
        Assert.That(Assert.Throws<ModelConfigException>(() => builders.Build(Source()))!.Message, Does.Contain("the condition of config builder 'fragile' failed: boom"));
    }

    [Test]
    public void EmptyRegistry_NoMatch_ListsKnownArchitectures()
    {
        var e = Assert.Throws<ModelConfigException>(() => ModelConfigBuilders.Empty().Build(Source()))!;
        Assert.That(e.Message, Does.Contain("no config builder for HuggingFace architecture 'LlamaForCausalLM'").And.Contain("registered builders: )"));
    }

    [Test]
    public void Source_GgufWithCompanion_StaysGgufPrimary()
    {
        var w = SyntheticGguf.DeepseekV2Lite();
        using GgufFile file = SyntheticGguf.Open(w);
        ModelSource s = ModelSource.FromGguf(file.Metadata, null, "x.gguf").WithCompanion(HuggingFaceConfig.Parse(HfConfigs.TinyDeepseekV2Lite));
        Assert.That((s.Format, s.Architecture, s.HfConfig is not null, s.KnowsTensors), Is.EqualTo((ModelFormat.Gguf, "deepseek2", true, false)));
        Assert.That(new ModelConfigBuilders().Select(s).Name, Is.EqualTo("gguf:deepseek2"), "config.json builders ignore a companion");
    }
}
