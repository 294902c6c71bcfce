using System.Globalization;
using NativeInfer.Generation;

namespace NativeInfer.Cli.Generation;

/// <summary>The statistics line after a generation: what was evaluated, how fast, why it stopped, the seed.</summary>
internal static class GenerationReport
{
    /// <summary>
    /// "prompt 24 tokens (0 cached) · 64 generated · first token 61 ms · 95.3 tokens/s · stopped: max tokens · seed 42".
    /// Decode speed counts the tokens after the first over the time after the first, so it excludes the prefill.
    /// </summary>
    public static string Format(GenerationStream s) => string.Create(CultureInfo.InvariantCulture,
        $"prompt {s.PromptTokens} tokens ({s.CachedTokens} cached) · {s.Generated} generated · first token {s.TimeToFirstToken.TotalMilliseconds:0} ms · " +
        $"{s.TokensPerSecond:0.0} tokens/s · stopped: {Reason(s.FinishReason)} · seed {s.Seed}");

    public static string Reason(FinishReason reason) => reason switch
    {
        FinishReason.StopToken => "end of generation",
        FinishReason.StopString => "stop text",
        FinishReason.MaxTokens => "max tokens",
        FinishReason.ContextFull => "context full",
        _ => reason.ToString(),
    };
}
