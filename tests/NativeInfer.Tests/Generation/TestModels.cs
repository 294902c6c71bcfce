using NativeInfer.Chat;
using NativeInfer.Generation;
using NativeInfer.Generation.Chat;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Generation;

/// <summary>The tiny models of ../shared/testdata/models as LanguageModels, with small sessions.</summary>
internal static class TestModels
{
    /// <summary>102400-token DeepSeek byte-level BPE vocabulary.</summary>
    public const string DeepseekQ = "tiny-deepseek2-q";

    /// <summary>32000-token SentencePiece vocabulary.</summary>
    public const string DeepseekF32 = "tiny-deepseek2-f32";

    public const string QwenQ = "tiny-qwen2moe-q";

    public static LanguageModel Load(string name, LanguageModelOptions? options = null) =>
        LanguageModel.Load(RepoPaths.RequireTestData($"models/{name}.gguf"), options ?? Options());

    public static LanguageModelOptions Options(int contextLength = 256, int threads = 1) => new()
    {
        Session = new GenerationSessionOptions { Threads = threads, ContextLength = contextLength },
        ChatTemplate = new ChatTemplateOptions { Template = new TestChatTemplate() },
    };

    /// <summary>Sampling that really samples (no truncation steps cut the tiny models' flat distributions to one token).</summary>
    public static GenerationOptions Sampled(ulong seed, int maxTokens) => new()
    {
        Sampling = new() { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f, Seed = seed },
        MaxTokens = maxTokens,
        StopAtEndOfGeneration = false,
    };
}
