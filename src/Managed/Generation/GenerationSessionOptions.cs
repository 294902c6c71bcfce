using NativeInfer.Runtime;

namespace NativeInfer.Generation;

/// <summary>
/// Per-session settings of the generation API: the runtime's <see cref="SessionOptions"/> (threads, cache size and
/// type, batch length) and what happens when the context is full. Immutable; <see cref="Validate"/> names the first bad value.
/// </summary>
public sealed record GenerationSessionOptions : SessionOptions
{
    /// <summary>What happens when the context is full. Default <see cref="ContextOverflowPolicy.Throw"/>.</summary>
    public ContextOverflowPolicy OverflowPolicy { get; init; } = ContextOverflowPolicy.Throw;

    /// <summary><see cref="ContextOverflowPolicy.TruncateOldest"/>: tokens at the start never dropped (a leading BOS always is kept). Default 0.</summary>
    public int KeepTokens { get; init; }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value.</summary>
    public override GenerationSessionOptions Validate()
    {
        const string T = nameof(GenerationSessionOptions);
        base.Validate();
        if (!Enum.IsDefined(OverflowPolicy))
            throw new InvalidOptionException($"{T}.{nameof(OverflowPolicy)}", OverflowPolicy, "must be Throw, StopGeneration or TruncateOldest");
        if (KeepTokens < 0) throw new InvalidOptionException($"{T}.{nameof(KeepTokens)}", KeepTokens, "must be ≥ 0");
        if (ContextLength > 0 && KeepTokens >= ContextLength)
            throw new InvalidOptionException($"{T}.{nameof(KeepTokens)}", KeepTokens, $"must be less than the context length ({ContextLength})");
        return this;
    }
}
