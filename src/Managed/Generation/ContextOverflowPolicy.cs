namespace NativeInfer.Generation;

/// <summary>
/// What a session does when the next forward pass would not fit its KV cache
/// (<see cref="GenerationSessionOptions.ContextLength"/>). Never a crash: the session stays usable either way.
/// </summary>
public enum ContextOverflowPolicy
{
    /// <summary>
    /// Throw <see cref="Runtime.ContextLengthExceededException"/> from the stream; the tokens already
    /// yielded stay in the context, so the caller can truncate and go on. The default.
    /// </summary>
    Throw = 0,

    /// <summary>End the generation normally with <see cref="FinishReason.ContextFull"/> (a prompt that does not fit still throws).</summary>
    StopGeneration = 1,

    /// <summary>
    /// Keep the first <see cref="GenerationSession.KeepTokens"/> tokens (and a leading BOS), drop the oldest
    /// tokens after them — as many as needed and at least half of the droppable part, so it does not recur
    /// every token (llama.cpp's n_discard = n_left / 2) — then re-evaluate what remains. Chat sessions drop
    /// whole turns instead (see <see cref="Chat.ChatSession"/>).
    /// </summary>
    TruncateOldest = 2,
}
