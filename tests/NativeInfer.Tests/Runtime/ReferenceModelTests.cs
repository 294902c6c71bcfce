using NativeInfer.Injection;
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
        ["tiny-deepseek2-f32", "tiny-deepseek2-lite-f32", "tiny-qwen2moe-f32", "tiny-deepseek2-q", "tiny-qwen2moe-q"];

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
