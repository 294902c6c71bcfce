using NativeInfer.Generation;
using NativeInfer.Interop;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Generation;

/// <summary>Loading, naming, and the lifetime rules of the model and its sessions.</summary>
[NonParallelizable]
public class LanguageModelTests
{
    [Test]
    public void Load_ReadsModelAndTokenizer_AndSessionsGetTheDefaults()
    {
        using LanguageModel model = TestModels.Load(TestModels.QwenQ, TestModels.Options(contextLength: 96));
        Assert.That(model.Config.Architecture, Is.EqualTo("qwen2moe"));
        Assert.That(model.Tokenizer.VocabSize, Is.LessThanOrEqualTo(model.Config.VocabSize));
        Assert.That(model.Name, Is.Not.Empty);
        using GenerationSession a = model.CreateSession();
        using GenerationSession b = model.CreateSession(new GenerationSessionOptions { Threads = 1, ContextLength = 40 });
        Assert.That(a.Capacity, Is.EqualTo(96));
        Assert.That(b.Capacity, Is.EqualTo(40));
        Assert.That(b.Id, Is.Not.EqualTo(a.Id));
        Assert.That(a.Generate("Hello", TestModels.Sampled(1, 3)).Tokens, Has.Count.EqualTo(3));
    }

    [Test]
    public void Dispose_WaitsForOpenSessions_ThenRefusesNewOnes()
    {
        LanguageModel model = TestModels.Load(TestModels.DeepseekQ);
        GenerationSession session = model.CreateSession();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.CreateSession());
        // The open session still runs on the mapped weights.
        Assert.That(session.Generate("still alive", TestModels.Sampled(1, 4)).Tokens, Has.Count.EqualTo(4));
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Generate("closed"));
        model.Dispose(); // idempotent
    }

    [Test]
    public void CreateSession_WithAnInvalidOption_IsAnInvalidOptionException()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ);
        var e = Assert.Throws<InvalidOptionException>(() => model.CreateSession(new GenerationSessionOptions { KvCacheType = NiType.Q8_0 }))!;
        Assert.That(e.Option, Is.EqualTo("GenerationSessionOptions.KvCacheType"));
        using GenerationSession s = model.CreateSession();
        Assert.Throws<InvalidOptionException>(() => s.KeepTokens = s.Capacity);
    }

    [TestCase(NiType.F16)]
    [TestCase(NiType.BF16)]
    public void HalfPrecisionKvCache_Generates(NiType type)
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekF32);
        using GenerationSession s = model.CreateSession(new GenerationSessionOptions { Threads = 1, ContextLength = 64, KvCacheType = type });
        Assert.That(s.Generate("A half precision cache", TestModels.Sampled(1, 5)).FinishReason, Is.EqualTo(FinishReason.MaxTokens));
    }

    [Test]
    public void Create_WrapsAModelLoadedByOtherMeans()
    {
        InferenceModel inference = InferenceModel.Load(NativeInfer.Tests.Support.RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf"));
        var tokenizer = NativeInfer.Tokenization.Tokenizer.FromGguf(inference.File);
        using LanguageModel model = LanguageModel.Create(inference, tokenizer, TestModels.Options(), "custom");
        Assert.That(model.Name, Is.EqualTo("custom"));
        using GenerationSession s = model.CreateSession();
        Assert.That(s.Generate("x", TestModels.Sampled(1, 2)).Tokens, Has.Count.EqualTo(2));
    }
}
