namespace NativeInfer.Gguf;

/// <summary>
/// A GGUF file is malformed: the message says what was expected, <see cref="Offset"/> where in the
/// file (bytes from its start) the offending field begins.
/// </summary>
public sealed class GgufFormatException : Exception
{
    public GgufFormatException(string source, long offset, string problem)
        : base(Diagnostics.DisplayText.Escape($"{source}: invalid GGUF at byte {offset}: {problem}"))
    {
        Source = source;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file path, or the name given to an in-memory image.</summary>
    public new string Source { get; }

    /// <summary>Byte offset of the field that is wrong.</summary>
    public long Offset { get; }

    /// <summary>The message without the file and offset prefix.</summary>
    public string Problem { get; }
}
