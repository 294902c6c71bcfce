namespace NativeInfer.Generation.Sampling;

/// <summary>
/// What a logits processor sees besides the logits: the context so far (prompt and generated tokens,
/// oldest first) and how many of them this generation produced. A ref struct over the session's own
/// buffers — valid only during the call.
/// </summary>
public readonly ref struct LogitsContext
{
    public LogitsContext(ReadOnlySpan<int> tokens, int generated)
    {
        Tokens = tokens;
        Generated = generated;
    }

    /// <summary>Every token of the context, oldest first; the logits are for the token after the last.</summary>
    public ReadOnlySpan<int> Tokens { get; }

    /// <summary>Tokens this generation has produced so far (the last <see cref="Generated"/> of <see cref="Tokens"/>).</summary>
    public int Generated { get; }
}
