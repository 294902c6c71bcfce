namespace NativeInfer.Generation;

/// <summary>A finished generation, collected (<see cref="GenerationStream.ToResult"/>, <see cref="GenerationSession.Generate(string, GenerationOptions?, CancellationToken)"/>).</summary>
public sealed record GenerationResult
{
    /// <summary>The generated text (stop strings and stop tokens not included).</summary>
    public required string Text { get; init; }

    /// <summary>Every sampled id, the stop token included when there was one.</summary>
    public required IReadOnlyList<int> Tokens { get; init; }

    public required FinishReason FinishReason { get; init; }

    /// <summary>Tokens of this call's prompt: what it appended (GenerationSession), the whole rendered conversation (chat).</summary>
    public int PromptTokens { get; init; }

    /// <summary>Context tokens that were already in the KV cache when the generation started (not re-evaluated).</summary>
    public int CachedTokens { get; init; }

    /// <summary>Tokens the first step fed to the model (prompt, plus any earlier token not yet evaluated).</summary>
    public int EvaluatedTokens { get; init; }

    /// <summary>The seed of the draw (the one chosen when the options gave none).</summary>
    public ulong Seed { get; init; }

    public TimeSpan TimeToFirstToken { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>Decode speed: tokens after the first ÷ time from the first token to the last (0 with fewer than two tokens).</summary>
    public double TokensPerSecond { get; init; }
}
