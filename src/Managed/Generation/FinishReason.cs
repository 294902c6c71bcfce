namespace NativeInfer.Generation;

/// <summary>Why a generation ended; carried by its last <see cref="GeneratedToken"/> (None on every other).</summary>
public enum FinishReason
{
    /// <summary>Not finished: more tokens follow.</summary>
    None = 0,

    /// <summary>A stop token was sampled: end of generation (<c>Tokenizer.IsEndOfGeneration</c>) or one of <see cref="GenerationOptions.StopTokens"/>.</summary>
    StopToken = 1,

    /// <summary>The text reached one of <see cref="GenerationOptions.StopStrings"/> (not emitted).</summary>
    StopString = 2,

    /// <summary><see cref="GenerationOptions.MaxTokens"/> tokens were generated.</summary>
    MaxTokens = 3,

    /// <summary>The context is full and the overflow policy is <see cref="ContextOverflowPolicy.StopGeneration"/>.</summary>
    ContextFull = 4,
}
