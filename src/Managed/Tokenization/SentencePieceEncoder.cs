using System.Text;

namespace NativeInfer.Tokenization;

/// <summary>
/// SentencePiece BPE (<c>tokenizer.ggml.model = llama</c>) as llama.cpp's llm_tokenizer_spm_session
/// does it: spaces become "▁" (one is prepended at the start of the input and after a special token
/// when add_space_prefix is on); each codepoint starts as a symbol; repeatedly merge the adjacent
/// pair whose concatenation is the highest-scoring token (leftmost first on ties); a symbol that is
/// not a token falls back to its UTF-8 bytes as &lt;0xXX&gt; tokens.
/// <para>llama.cpp merges the whole text in one queue. Here the text is cut into words before each
/// "▁" whose preceding character never precedes "▁" inside a token: no merge can cross such a cut,
/// and merges on either side do not affect each other, so merging word by word gives the same ids,
/// in O(word) memory, and lets repeated words come from the word cache. (For SentencePiece
/// vocabularies "▁" only starts tokens, so every space-led word is cut.)</para>
/// </summary>
internal sealed class SentencePieceEncoder : TextEncoder
{
    public const char SpaceMark = '\u2581'; // "▁"

    private readonly Vocabulary _vocab;
    private readonly bool _addSpacePrefix;
    private readonly int[] _tokenOfByte = new int[256];
    private readonly bool[] _precedesMarkInToken = new bool[0x10000]; // char → some token has it right before "▁"

    private readonly bool _cutWords;

    /// <param name="cutWords">Merge word by word (see the remarks); false merges each text whole, exactly as
    /// llama.cpp does, which tests use as the reference for the cut.</param>
    public SentencePieceEncoder(Vocabulary vocab, bool addSpacePrefix, int unknown, bool cutWords = true)
    {
        _vocab = vocab;
        _addSpacePrefix = addSpacePrefix;
        _cutWords = cutWords;
        Span<char> name = stackalloc char[6];
        for (int b = 0; b < 256; b++)
        {
            // llama.cpp's byte_to_token: "<0xXX>", else the byte as a one-character token.
            $"<0x{b:X2}>".AsSpan().CopyTo(name);
            int id = vocab.IdOrMinusOne(name);
            if (id < 0 && b < 0x80) id = vocab.IdOrMinusOne([(char)b]);
            _tokenOfByte[b] = id >= 0 ? id : unknown;
        }
        foreach (string text in vocab.Texts)
            for (int i = 1; i < text.Length; i++)
                if (text[i] == SpaceMark && text[i - 1] != SpaceMark) _precedesMarkInToken[text[i - 1]] = true;
    }

    public override void Encode(ReadOnlySpan<char> text, bool afterSpecial, List<int> output, EncodeScratch s)
    {
        // The escaped text: "▁" for every space, one more in front when a space prefix applies.
        int prefix = _addSpacePrefix && afterSpecial ? 1 : 0;
        Span<char> chars = s.Chars.Resize(text.Length + prefix);
        if (prefix == 1) chars[0] = SpaceMark;
        for (int i = 0; i < text.Length; i++) chars[prefix + i] = text[i] == ' ' ? SpaceMark : text[i];

        if (!_cutWords)
        {
            GrowableBuffer<int> ids = s.WordIds;
            ids.Clear();
            Merge(chars, ids, s);
            output.AddRange(ids.Span);
            return;
        }

        // Words: cut before a "▁" when no token could span the cut.
        int wordStart = 0;
        for (int i = 1; i < chars.Length; i++)
        {
            if (chars[i] == SpaceMark && chars[i - 1] != SpaceMark && !_precedesMarkInToken[chars[i - 1]])
            {
                EncodeWord(chars[wordStart..i], output, s);
                wordStart = i;
            }
        }
        EncodeWord(chars[wordStart..], output, s);
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> output, EncodeScratch s)
    {
        if (s.Words.TryGet(word, out ReadOnlySpan<int> cached))
        {
            output.AddRange(cached);
            return;
        }
        GrowableBuffer<int> ids = s.WordIds;
        ids.Clear();
        Merge(word, ids, s);
        s.Words.Add(word, ids.Span);
        output.AddRange(ids.Span);
    }

    private void Merge(ReadOnlySpan<char> chars, GrowableBuffer<int> output, EncodeScratch s)
    {
        // One symbol per codepoint (a surrogate pair is one symbol of two chars).
        int capacity = chars.Length;
        Span<int> start = s.SymbolStart.Resize(capacity);
        Span<int> size = s.SymbolSize.Resize(capacity);
        Span<int> token = s.SymbolToken.Resize(capacity);
        Span<int> prev = s.SymbolPrev.Resize(capacity);
        Span<int> next = s.SymbolNext.Resize(capacity);
        int n = 0;
        for (int i = 0; i < chars.Length; n++)
        {
            int width = char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]) ? 2 : 1;
            start[n] = i;
            size[n] = width;
            token[n] = _vocab.IdOrMinusOne(chars.Slice(i, width));
            prev[n] = n - 1;
            next[n] = n + 1;
            i += width;
        }
        if (n == 0) return;
        next[n - 1] = -1;

        MergeQueue queue = s.Queue;
        queue.Clear();
        for (int i = 1; i < n; i++) TryQueue(i - 1, i, chars, start, size, queue);

        while (queue.Count > 0)
        {
            MergeCandidate c = queue.Pop();
            int left = c.Left, right = c.Right;
            // Stale if either side has merged since (sizes only grow, so equal sizes mean unchanged symbols).
            if (size[left] == 0 || size[right] == 0 || size[left] + size[right] != c.Size) continue;

            token[left] = c.Merged;
            size[left] = c.Size;
            size[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;

            if (prev[left] >= 0) TryQueue(prev[left], left, chars, start, size, queue);
            if (next[left] >= 0) TryQueue(left, next[left], chars, start, size, queue);
        }

        for (int i = 0; i >= 0; i = next[i])
        {
            if (token[i] >= 0) output.Add(token[i]);
            else EmitBytes(chars.Slice(start[i], size[i]), output);
        }
    }

    private void TryQueue(int left, int right, ReadOnlySpan<char> chars, Span<int> start, Span<int> size, MergeQueue queue)
    {
        int length = size[left] + size[right];
        if (!_vocab.TryGetId(chars.Slice(start[left], length), out int merged)) return;
        queue.Push(new MergeCandidate(((ulong)DescendingOrder(_vocab.Scores[merged]) << 32) | (uint)left, right, length, merged));
    }

    /// <summary>Maps a score to a key that sorts higher scores first (-0 counts as 0, as a float comparison would).</summary>
    internal static uint DescendingOrder(float score)
    {
        uint bits = BitConverter.SingleToUInt32Bits(score == 0 ? 0f : score);
        uint ascending = (bits & 0x8000_0000) != 0 ? ~bits : bits | 0x8000_0000;
        return ~ascending;
    }

    private void EmitBytes(ReadOnlySpan<char> symbol, GrowableBuffer<int> output)
    {
        Span<byte> utf8 = stackalloc byte[8];
        int n = Encoding.UTF8.GetBytes(symbol, utf8);
        for (int i = 0; i < n; i++)
        {
            int id = _tokenOfByte[utf8[i]];
            if (id < 0) throw new InvalidOperationException($"cannot encode byte 0x{utf8[i]:X2}: the vocabulary has no <0x{utf8[i]:X2}> token and no unknown token");
            output.Add(id);
        }
    }
}
