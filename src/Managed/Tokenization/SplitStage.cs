namespace NativeInfer.Tokenization;

/// <summary>
/// One regex of a pre-tokenizer. Like llama.cpp's unicode_regex_split, a stage runs separately on
/// every piece the previous stage produced and splits it into the matches and the text between
/// them, so a piece boundary is never crossed (a lookahead or "$" sees the piece's end as the text's end).
/// </summary>
internal abstract class SplitStage
{
    /// <summary>The regex as llama.cpp lists it (what docs/tokenizers.md shows).</summary>
    public abstract string Pattern { get; }

    /// <param name="codepoints">The fragment's codepoints.</param>
    /// <param name="pieces">Lengths (in codepoints) of consecutive pieces covering <paramref name="codepoints"/>.</param>
    /// <param name="output">Receives the lengths of the new pieces (no zero lengths).</param>
    /// <param name="scratch">Per-call scratch a stage may use for a mapped copy of the text.</param>
    public abstract void Split(ReadOnlySpan<int> codepoints, ReadOnlySpan<int> pieces, GrowableBuffer<int> output, GrowableBuffer<char> scratch);
}
