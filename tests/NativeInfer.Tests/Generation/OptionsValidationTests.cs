using NativeInfer.Generation;
using NativeInfer.Generation.Chat;
using NativeInfer.Generation.ChatClient;
using NativeInfer.Generation.Sampling;
using NativeInfer.Interop;
using NativeInfer.Models;
using NativeInfer.Runtime;
using NativeInfer.Tensors;

namespace NativeInfer.Tests.Generation;

/// <summary>Every option's invalid values are an InvalidOptionException naming "Type.Property"; the documented defaults hold.</summary>
public class OptionsValidationTests
{
    public static IEnumerable<TestCaseData> InvalidSampling()
    {
        yield return Case(new SamplingOptions { Temperature = float.NaN }, "SamplingOptions.Temperature");
        yield return Case(new SamplingOptions { Temperature = float.PositiveInfinity }, "SamplingOptions.Temperature");
        yield return Case(new SamplingOptions { TopK = -1 }, "SamplingOptions.TopK");
        yield return Case(new SamplingOptions { TopP = 0f }, "SamplingOptions.TopP");
        yield return Case(new SamplingOptions { TopP = 1.01f }, "SamplingOptions.TopP");
        yield return Case(new SamplingOptions { TopP = float.NaN }, "SamplingOptions.TopP");
        yield return Case(new SamplingOptions { MinP = -0.1f }, "SamplingOptions.MinP");
        yield return Case(new SamplingOptions { MinP = 1.5f }, "SamplingOptions.MinP");
        yield return Case(new SamplingOptions { RepetitionPenalty = 0f }, "SamplingOptions.RepetitionPenalty");
        yield return Case(new SamplingOptions { RepetitionPenalty = -1f }, "SamplingOptions.RepetitionPenalty");
        yield return Case(new SamplingOptions { RepetitionPenalty = float.PositiveInfinity }, "SamplingOptions.RepetitionPenalty");
        yield return Case(new SamplingOptions { FrequencyPenalty = float.NaN }, "SamplingOptions.FrequencyPenalty");
        yield return Case(new SamplingOptions { PresencePenalty = float.NegativeInfinity }, "SamplingOptions.PresencePenalty");
        yield return Case(new SamplingOptions { PenaltyLastN = -2 }, "SamplingOptions.PenaltyLastN");

        static TestCaseData Case(SamplingOptions o, string name) => new TestCaseData(o, name).SetArgDisplayNames(name, o.ToString()[..Math.Min(60, o.ToString().Length)]);
    }

    [TestCaseSource(nameof(InvalidSampling))]
    public void SamplingOptions_Invalid(SamplingOptions options, string option) => AssertInvalid(() => options.Validate(), option);

    public static IEnumerable<TestCaseData> InvalidGeneration()
    {
        yield return new TestCaseData(new GenerationOptions { MaxTokens = 0 }, "GenerationOptions.MaxTokens");
        yield return new TestCaseData(new GenerationOptions { MaxTokens = -5 }, "GenerationOptions.MaxTokens");
        yield return new TestCaseData(new GenerationOptions { Sampling = null! }, "GenerationOptions.Sampling");
        yield return new TestCaseData(new GenerationOptions { Sampling = new SamplingOptions { TopK = -1 } }, "SamplingOptions.TopK");
        yield return new TestCaseData(new GenerationOptions { StopStrings = ["ok", ""] }, "GenerationOptions.StopStrings[1]");
        yield return new TestCaseData(new GenerationOptions { StopStrings = [null!] }, "GenerationOptions.StopStrings[0]");
        yield return new TestCaseData(new GenerationOptions { StopStrings = null! }, "GenerationOptions.StopStrings");
        yield return new TestCaseData(new GenerationOptions { StopTokens = [3, -1] }, "GenerationOptions.StopTokens[1]");
        yield return new TestCaseData(new GenerationOptions { StopTokens = null! }, "GenerationOptions.StopTokens");
        yield return new TestCaseData(new GenerationOptions { LogitsProcessors = [null!] }, "GenerationOptions.LogitsProcessors[0]");
        yield return new TestCaseData(new GenerationOptions { LogitsProcessors = null! }, "GenerationOptions.LogitsProcessors");
    }

    [TestCaseSource(nameof(InvalidGeneration))]
    public void GenerationOptions_Invalid(GenerationOptions options, string option) => AssertInvalid(() => options.Validate(), option);

    public static IEnumerable<TestCaseData> InvalidSession()
    {
        yield return new TestCaseData(new GenerationSessionOptions { Threads = -1 }, "GenerationSessionOptions.Threads");
        yield return new TestCaseData(new GenerationSessionOptions { Isa = (NiIsa)42 }, "GenerationSessionOptions.Isa");
        yield return new TestCaseData(new GenerationSessionOptions { ContextLength = -1 }, "GenerationSessionOptions.ContextLength");
        yield return new TestCaseData(new GenerationSessionOptions { KvCacheType = NiType.Q4_0 }, "GenerationSessionOptions.KvCacheType");
        yield return new TestCaseData(new GenerationSessionOptions { MaxBatchTokens = 0 }, "GenerationSessionOptions.MaxBatchTokens");
        yield return new TestCaseData(new GenerationSessionOptions { OverflowPolicy = (ContextOverflowPolicy)7 }, "GenerationSessionOptions.OverflowPolicy");
        yield return new TestCaseData(new GenerationSessionOptions { KeepTokens = -1 }, "GenerationSessionOptions.KeepTokens");
        yield return new TestCaseData(new GenerationSessionOptions { ContextLength = 64, KeepTokens = 64 }, "GenerationSessionOptions.KeepTokens");
    }

    [TestCaseSource(nameof(InvalidSession))]
    public void GenerationSessionOptions_Invalid(GenerationSessionOptions options, string option) => AssertInvalid(() => options.Validate(), option);

    public static IEnumerable<TestCaseData> InvalidModel()
    {
        yield return new TestCaseData(new LanguageModelOptions { Model = new() { RulesPath = "/nonexistent/rules.yaml" } }, "ModelOptions.RulesPath");
        yield return new TestCaseData(new LanguageModelOptions { Model = new() { RulesPath = "" } }, "ModelOptions.RulesPath");
        yield return new TestCaseData(new LanguageModelOptions { Model = new() { Injection = new() { DefaultDevice = new Device(DeviceKind.Cuda, -1) } } },
                                      "InjectionOptions.DefaultDevice");
        yield return new TestCaseData(new LanguageModelOptions { Model = new() { Injection = new() { DefaultDevice = new Device((DeviceKind)9, 0) } } },
                                      "InjectionOptions.DefaultDevice");
        yield return new TestCaseData(new LanguageModelOptions { Model = null! }, "LanguageModelOptions.Model");
        yield return new TestCaseData(new LanguageModelOptions { Session = null! }, "LanguageModelOptions.Session");
        yield return new TestCaseData(new LanguageModelOptions { Session = new() { Threads = -2 } }, "GenerationSessionOptions.Threads");
        yield return new TestCaseData(new LanguageModelOptions { Generation = null! }, "LanguageModelOptions.Generation");
        yield return new TestCaseData(new LanguageModelOptions { Generation = new() { MaxTokens = 0 } }, "GenerationOptions.MaxTokens");
    }

    [TestCaseSource(nameof(InvalidModel))]
    public void LanguageModelOptions_Invalid(LanguageModelOptions options, string option) => AssertInvalid(() => options.Validate(), option);

    [Test]
    public void ChatOptions_Invalid()
    {
        AssertInvalid(() => new NativeInferChatClientOptions { MaxConcurrentRequests = 0 }.Validate(), "NativeInferChatClientOptions.MaxConcurrentRequests");
        AssertInvalid(() => new NativeInferChatClientOptions { Session = new() { MaxBatchTokens = -1 } }.Validate(), "GenerationSessionOptions.MaxBatchTokens");
        AssertInvalid(() => new ChatSessionOptions { Generation = new() { Sampling = new() { MinP = 2 } } }.Validate(), "SamplingOptions.MinP");
    }

    [Test]
    public void Load_ValidatesBeforeTouchingTheFile()
    {
        AssertInvalid(() => LanguageModel.Load("/nonexistent/model.gguf", new LanguageModelOptions { Session = new() { ContextLength = -3 } }),
                      "GenerationSessionOptions.ContextLength");
        Assert.Throws<FileNotFoundException>(() => LanguageModel.Load("/nonexistent/model.gguf"));
    }

    [Test]
    public void Message_NamesTheOptionTheValueAndTheRule()
    {
        var e = Assert.Throws<InvalidOptionException>(() => new SamplingOptions { TopP = 1.5f }.Validate())!;
        Assert.That(e.Message, Does.StartWith("SamplingOptions.TopP = 1.5: must be in (0, 1]"));
        Assert.That(e.ParamName, Is.EqualTo("SamplingOptions.TopP"));
        Assert.That(e.Value, Is.EqualTo(1.5f));
    }

    [Test]
    public void Defaults_AreTheDocumentedOnes()
    {
        var s = new SamplingOptions();
        Assert.That((s.Temperature, s.TopK, s.TopP, s.MinP), Is.EqualTo((0.8f, 40, 0.95f, 0.05f)), "llama.cpp's sampling defaults");
        Assert.That((s.RepetitionPenalty, s.FrequencyPenalty, s.PresencePenalty, s.PenaltyLastN, s.Seed), Is.EqualTo((1f, 0f, 0f, 64, (ulong?)null)));
        Assert.That(SamplingOptions.Greedy.IsGreedy);
        var g = new GenerationOptions();
        Assert.That((g.MaxTokens, g.StopAtEndOfGeneration, g.ParseSpecial, g.AddBos, g.RenderSpecial), Is.EqualTo(((int?)null, true, true, (bool?)null, false)));
        Assert.That(g.StopStrings, Is.Empty);
        var so = new GenerationSessionOptions();
        Assert.That((so.Threads, so.Isa, so.ContextLength, so.KvCacheType, so.MaxBatchTokens, so.OverflowPolicy, so.KeepTokens),
                    Is.EqualTo((0, NiIsa.Auto, 0, NiType.F32, 512, ContextOverflowPolicy.Throw, 0)));
        var m = new LanguageModelOptions();
        Assert.That((m.Model.RulesPath, m.Model.Injection.DefaultDevice, m.Model.Injection.FallbackToCpu, m.Model.ModuleMap), Is.EqualTo(((string?)null, Device.Cpu, false, (ModuleMap?)null)));
        Assert.That(new NativeInferChatClientOptions().MaxConcurrentRequests, Is.EqualTo(1));
        foreach (object o in new object[] { s, g, so, m }) Assert.DoesNotThrow(() => o.GetType().GetMethod("Validate")!.Invoke(o, null));
    }

    private static void AssertInvalid(TestDelegate validate, string option)
    {
        var e = Assert.Throws<InvalidOptionException>(validate)!;
        Assert.That(e.Option, Is.EqualTo(option));
        Assert.That(e.Message, Does.StartWith(option + " = "));
    }
}
