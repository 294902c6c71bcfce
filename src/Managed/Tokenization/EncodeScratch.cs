namespace NativeInfer.Tokenization;

/// <summary>
/// Working memory for one encode call: buffers that only grow, reused call after call, and the
/// word cache. A tokenizer keeps one spare instance; concurrent callers get their own.
/// </summary>
internal sealed class EncodeScratch
{
    public readonly GrowableBuffer<TextFragment> Fragments = new();
    public readonly GrowableBuffer<long> SpecialCandidates = new();
    public readonly GrowableBuffer<bool> Taken = new();

    /// <summary>Codepoints of the fragment being encoded, and the char index where each starts (plus one past the end).</summary>
    public readonly GrowableBuffer<int> Codepoints = new(1024);
    public readonly GrowableBuffer<int> CharStarts = new(1024);

    public readonly GrowableBuffer<int> PiecesA = new(256);
    public readonly GrowableBuffer<int> PiecesB = new(256);
    public readonly GrowableBuffer<char> Chars = new(1024);
    public readonly GrowableBuffer<byte> Bytes = new(256);

    // Symbols of the merge loops: a doubly linked list over arrays.
    public readonly GrowableBuffer<int> SymbolToken = new(256);
    public readonly GrowableBuffer<int> SymbolStart = new(256);
    public readonly GrowableBuffer<int> SymbolSize = new(256);
    public readonly GrowableBuffer<int> SymbolPrev = new(256);
    public readonly GrowableBuffer<int> SymbolNext = new(256);
    public readonly GrowableBuffer<int> WordIds = new(64);
    public readonly MergeQueue Queue = new();

    public readonly WordCache Words = new();

    /// <summary>Decodes <paramref name="text"/> into <see cref="Codepoints"/> and <see cref="CharStarts"/>; lone surrogates become U+FFFD.</summary>
    public ReadOnlySpan<int> LoadCodepoints(ReadOnlySpan<char> text)
    {
        Span<int> cps = Codepoints.Resize(text.Length);
        Span<int> starts = CharStarts.Resize(text.Length + 1);
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            starts[n] = i;
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cps[n++] = char.ConvertToUtf32(c, text[i + 1]);
                i++;
            }
            else cps[n++] = char.IsSurrogate(c) ? 0xFFFD : c;
        }
        starts[n] = text.Length;
        Codepoints.Resize(n);
        CharStarts.Resize(n + 1);
        return Codepoints.Span;
    }
}
