using NativeInfer.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Runtime;

/// <summary>
/// Every tiny model of ../shared/testdata/models against llama.cpp's logits: the prompt as one batched
/// prefill, the greedy continuation as one-token decode steps, every position within the tolerance
/// of the testdata README.
/// </summary>
[NonParallelizable]
public class ReferenceModelTests
{
    public static IEnumerable<string> Models() =>
        ["tiny-deepseek2-f32", "tiny-deepseek2-lite-f32", "tiny-qwen2moe-f32", "tiny-deepseek2-q", "tiny-qwen2moe-q",
         "tiny-deepseek3-f32", "tiny-deepseek3-q", "tiny-qwen3moe-f32", "tiny-qwen3moe-q"];

    internal static (InferenceModel Model, ReferenceLogits Reference) Load(string name, ModelOptions? options = null)
    {
        string gguf = RepoPaths.RequireTestData($"models/{name}.gguf");
        var reference = ReferenceLogits.Load(RepoPaths.RequireTestData($"models/{name}.reference.json"));
        return (InferenceModel.Load(gguf, options), reference);
    }

    internal static ReferenceLogits.Comparison RunAndCompare(InferenceModel model, ReferenceLogits reference, SessionOptions? session = null)
    {
        using InferenceSession s = model.CreateSession(session ?? new SessionOptions { Threads = 2, ContextLength = 128 });
        return reference.Compare(reference.Run(s));
    }

    [TestCaseSource(nameof(Models))]
    public void Logits_MatchLlamaCpp_NativeOperators(string name)
    {
        var (model, reference) = Load(name);
        using (model) reference.AssertWithinTolerance(RunAndCompare(model, reference));
    }
}

/// <summary>Session behaviour around the forward pass: cancellation, truncation, limits.</summary>
[NonParallelizable]
public class SessionTests
{
    [Test]
    public void Cancelled_Prefill_LeavesSessionAsBefore_AndNextRunMatchesReference()
    {
        var (model, reference) = ReferenceModelTests.Load("tiny-deepseek2-lite-f32");
        using (model)
        using (InferenceSession s = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 128 }))
        {
            s.Forward(reference.PromptTokens.AsSpan(0, 5), new float[s.VocabSize]);
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.Throws<OperationCanceledException>(() => s.Forward(reference.PromptTokens.AsSpan(5), new float[s.VocabSize], cts.Token));
            Assert.That(s.Length, Is.EqualTo(5), "a cancelled pass does not advance the session");
            s.Truncate(0);
            reference.AssertWithinTolerance(reference.Compare(reference.Run(s)));
        }
    }

    [Test]
    public void Truncate_ThenReplay_GivesTheSameLogitsAsAFreshSession()
    {
        var (model, reference) = ReferenceModelTests.Load("tiny-qwen2moe-f32");
        using (model)
        using (InferenceSession s = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 128 }))
        {
            int vocab = s.VocabSize;
            float[] first = new float[vocab], again = new float[vocab];
            s.Forward(reference.PromptTokens, first);
            s.Forward([reference.GreedyTokens[0], reference.GreedyTokens[1]], new float[vocab]);
            s.Truncate(reference.PromptTokens.Length - 1);
            s.Forward(reference.PromptTokens.AsSpan(^1), again);
            Assert.That(again, Is.EqualTo(first).Within(2e-4f), "rewinding and replaying the last prompt token reproduces its logits");
        }
    }

    [Test]
    public void ContextOverflow_And_BadTokens_AreTypedErrors()
    {
        var (model, _) = ReferenceModelTests.Load("tiny-deepseek2-f32");
        using (model)
        using (InferenceSession s = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 8 }))
        {
            var logits = new float[s.VocabSize];
            var e = Assert.Throws<ContextLengthExceededException>(() => s.Forward(new int[9], logits))!;
            Assert.That(e.Message, Does.Contain("context length is 8"));
            Assert.Throws<ArgumentOutOfRangeException>(() => s.Forward([s.VocabSize], logits));
            Assert.Throws<ArgumentException>(() => s.Forward([], logits));
            Assert.That(s.Length, Is.EqualTo(0));
        }
    }
}
