using System.Text;

namespace NativeInfer.Tokenization;

/// <summary>
/// Byte-level BPE (<c>tokenizer.ggml.model = gpt2</c>) as llama.cpp's llm_tokenizer_bpe_session does it:
/// pre-tokenize into words; spell each word's UTF-8 bytes as one symbol per byte; repeatedly merge
/// the adjacent pair with the lowest merge rank (leftmost first on ties) until no pair has a merge;
/// emit the symbols' ids. Pairs are looked up by token id in a <see cref="PairMergeTable"/> and the
/// candidates kept in a heap, so a word costs O(n log n); repeated words come from the word cache.
/// </summary>
internal sealed class ByteLevelBpeEncoder : TextEncoder
{
    private const int Dead = int.MinValue;

    private readonly Vocabulary _vocab;
    private readonly PreTokenizer _preTokenizer;
    private readonly PairMergeTable _merges;
    private readonly bool _ignoreMerges;
    private readonly int[] _tokenOfByte = new int[256]; // -1 when the vocabulary lacks a byte's character

    public ByteLevelBpeEncoder(Vocabulary vocab, PreTokenizer preTokenizer, PairMergeTable merges, bool ignoreMerges)
    {
        _vocab = vocab;
        _preTokenizer = preTokenizer;
        _merges = merges;
        _ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++)
            _tokenOfByte[b] = vocab.IdOrMinusOne([ByteLevelAlphabet.CharOfByte[b]]);
    }

    public PreTokenizer PreTokenizer => _preTokenizer;

    public override void Encode(ReadOnlySpan<char> text, bool afterSpecial, List<int> output, EncodeScratch scratch)
    {
        ReadOnlySpan<int> codepoints = scratch.LoadCodepoints(text);
        ReadOnlySpan<int> pieces = _preTokenizer.Split(codepoints, scratch);
        ReadOnlySpan<int> charStarts = scratch.CharStarts.Span;
        int first = 0;
        foreach (int length in pieces)
        {
            int from = charStarts[first], to = charStarts[first + length];
            EncodeWord(text[from..to], codepoints.Slice(first, length), output, scratch);
            first += length;
        }
    }

    private void EncodeWord(ReadOnlySpan<char> word, ReadOnlySpan<int> codepoints, List<int> output, EncodeScratch s)
    {
        if (s.Words.TryGet(word, out ReadOnlySpan<int> cached))
        {
            output.AddRange(cached);
            return;
        }

        // UTF-8 bytes of the word (from the codepoints, so a lone surrogate is EF BF BD as in llama.cpp).
        GrowableBuffer<byte> bytes = s.Bytes;
        bytes.Clear();
        Span<byte> utf8 = stackalloc byte[4];
        foreach (int c in codepoints)
        {
            int n = new Rune(c).EncodeToUtf8(utf8);
            for (int i = 0; i < n; i++) bytes.Add(utf8[i]);
        }

        GrowableBuffer<int> ids = s.WordIds;
        ids.Clear();
        if (!_ignoreMerges || !TryWholeWord(bytes.Span, s, ids)) Merge(bytes.Span, s, ids);
        s.Words.Add(word, ids.Span);
        output.AddRange(ids.Span);
    }

    /// <summary>Llama 3 (ignore_merges): a word that is itself a token is emitted whole.</summary>
    private bool TryWholeWord(ReadOnlySpan<byte> bytes, EncodeScratch s, GrowableBuffer<int> ids)
    {
        Span<char> spelled = s.Chars.Resize(bytes.Length);
        for (int i = 0; i < bytes.Length; i++) spelled[i] = ByteLevelAlphabet.CharOfByte[bytes[i]];
        if (!_vocab.TryGetId(spelled, out int id)) return false;
        ids.Add(id);
        return true;
    }

    private void Merge(ReadOnlySpan<byte> bytes, EncodeScratch s, GrowableBuffer<int> ids)
    {
        int n = bytes.Length;
        Span<int> token = s.SymbolToken.Resize(n);
        Span<int> size = s.SymbolSize.Resize(n);
        Span<int> prev = s.SymbolPrev.Resize(n);
        Span<int> next = s.SymbolNext.Resize(n);
        for (int i = 0; i < n; i++)
        {
            token[i] = _tokenOfByte[bytes[i]];
            size[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        MergeQueue queue = s.Queue;
        queue.Clear();
        for (int i = 1; i < n; i++) TryQueue(i - 1, i, token, size, queue);

        while (queue.Count > 0)
        {
            MergeCandidate c = queue.Pop();
            int left = c.Left, right = c.Right;
            // Stale if either side has merged since: symbols only grow, so equal sizes mean unchanged texts.
            if (token[left] == Dead || token[right] == Dead || size[left] + size[right] != c.Size) continue;

            token[left] = c.Merged;
            size[left] = c.Size;
            token[right] = Dead;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;

            if (prev[left] >= 0) TryQueue(prev[left], left, token, size, queue);
            if (next[left] >= 0) TryQueue(left, next[left], token, size, queue);
        }

        // A byte whose character is missing from the vocabulary cannot be emitted (llama.cpp drops it too).
        for (int i = 0; i >= 0; i = next[i])
            if (token[i] >= 0) ids.Add(token[i]);
    }

    private void TryQueue(int left, int right, Span<int> token, Span<int> size, MergeQueue queue)
    {
        if (_merges.TryGet(token[left], token[right], out int rank, out int merged))
            queue.Push(new MergeCandidate(((ulong)(uint)rank << 32) | (uint)left, right, size[left] + size[right], merged));
    }
}
