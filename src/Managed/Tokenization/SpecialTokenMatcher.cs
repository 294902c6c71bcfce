using System.Buffers;
using System.Text;

namespace NativeInfer.Tokenization;

/// <summary>
/// Finds special tokens in input text before anything else tokenizes it, with llama.cpp's rules
/// (tokenizer_st_partition): user-defined tokens are always matched; control and unknown tokens only
/// when special-token parsing is on. llama.cpp takes the tokens longest text first and, for each,
/// cuts every non-overlapping occurrence out of the text that is still plain, left to right. Doing
/// that token by token costs a scan of the text per token (DeepSeek has 2,400 of them), so this
/// finds every occurrence of every token in one pass over a trie, then accepts them in that same
/// priority order. Equal lengths go by id (llama.cpp's std::sort leaves that order unspecified).
/// </summary>
internal sealed class SpecialTokenMatcher
{
    private readonly Dictionary<long, int> _edges = []; // (node << 16 | char) → child node
    private readonly List<int> _tokenAtNode = [-1];      // node → token id whose text ends there, or -1
    private readonly int[] _tokenOfPriority;             // llama.cpp's order → token id
    private readonly int[] _priorityOfToken;             // token id → its place in that order
    private readonly int[] _length;                      // token id → chars in its text
    private readonly bool[] _alwaysMatched;              // token id → user-defined (matched even without parsing)
    private readonly SearchValues<char> _firstChars;

    public SpecialTokenMatcher(Vocabulary vocab)
    {
        _tokenOfPriority = Enumerable.Range(0, vocab.Count)
            .Where(id => vocab.Types[id] is TokenType.Control or TokenType.UserDefined or TokenType.Unknown)
            .OrderByDescending(id => Encoding.UTF8.GetByteCount(vocab.Texts[id])) // llama.cpp compares byte lengths
            .ThenBy(id => id)
            .ToArray();
        _priorityOfToken = new int[vocab.Count];
        _length = new int[vocab.Count];
        _alwaysMatched = new bool[vocab.Count];
        var firstChars = new HashSet<char>();
        for (int priority = 0; priority < _tokenOfPriority.Length; priority++)
        {
            int id = _tokenOfPriority[priority];
            string text = vocab.Texts[id];
            _priorityOfToken[id] = priority;
            _length[id] = text.Length;
            _alwaysMatched[id] = vocab.Types[id] == TokenType.UserDefined;
            Insert(text, id);
            firstChars.Add(text[0]);
        }
        _firstChars = SearchValues.Create(firstChars.ToArray());
        AlwaysMatchedCount = _alwaysMatched.Count(m => m);
    }

    /// <summary>Tokens matched with parsing on (control, user-defined, unknown).</summary>
    public int Count => _tokenOfPriority.Length;

    /// <summary>User-defined tokens, matched even with parsing off.</summary>
    public int AlwaysMatchedCount { get; }

    /// <summary>Splits <paramref name="text"/> into plain-text and special-token fragments, in order, into scratch.Fragments.</summary>
    public void Split(ReadOnlySpan<char> text, bool parseSpecial, EncodeScratch s)
    {
        GrowableBuffer<TextFragment> fragments = s.Fragments;
        fragments.Clear();
        if (text.IsEmpty) return;
        GrowableBuffer<long> candidates = s.SpecialCandidates;
        if ((parseSpecial ? Count : AlwaysMatchedCount) == 0 || !FindCandidates(text, parseSpecial, candidates))
        {
            fragments.Add(new TextFragment(0, text.Length, -1));
            return;
        }

        // Accept in llama.cpp's order: by token priority, then left to right; an occurrence is taken
        // when it lies in still-plain text and does not overlap the previous one of the same token.
        // Accepted ones are compacted to the front of the same buffer as (position, token).
        Span<long> all = candidates.Span;
        all.Sort();
        Span<bool> taken = s.Taken.Resize(text.Length);
        taken.Clear();
        int accepted = 0, lastToken = -1, lastEnd = 0;
        for (int i = 0; i < all.Length; i++)
        {
            int token = _tokenOfPriority[(int)(all[i] >> 32)];
            int position = (int)(uint)all[i];
            int length = _length[token];
            if (token != lastToken) (lastToken, lastEnd) = (token, 0);
            if (position < lastEnd || taken.Slice(position, length).Contains(true)) continue;
            taken.Slice(position, length).Fill(true);
            lastEnd = position + length;
            all[accepted++] = ((long)position << 32) | (uint)token;
        }

        Span<long> byPosition = all[..accepted];
        byPosition.Sort();
        int plainStart = 0;
        foreach (long a in byPosition)
        {
            int position = (int)(a >> 32), token = (int)(uint)a;
            if (position > plainStart) fragments.Add(new TextFragment(plainStart, position - plainStart, -1));
            fragments.Add(new TextFragment(position, _length[token], token));
            plainStart = position + _length[token];
        }
        if (plainStart < text.Length) fragments.Add(new TextFragment(plainStart, text.Length - plainStart, -1));
    }

    /// <summary>Every occurrence of every eligible token, packed as priority (high half) and position (low half).</summary>
    private bool FindCandidates(ReadOnlySpan<char> text, bool parseSpecial, GrowableBuffer<long> candidates)
    {
        candidates.Clear();
        int from = 0;
        while (from < text.Length)
        {
            int offset = text[from..].IndexOfAny(_firstChars);
            if (offset < 0) break;
            int position = from + offset;
            int node = 0;
            for (int i = position; i < text.Length && _edges.TryGetValue(((long)node << 16) | text[i], out node); i++)
            {
                int token = _tokenAtNode[node];
                if (token >= 0 && (parseSpecial || _alwaysMatched[token]))
                    candidates.Add(((long)_priorityOfToken[token] << 32) | (uint)position);
            }
            from = position + 1;
        }
        return candidates.Count > 0;
    }

    private void Insert(string text, int id)
    {
        int node = 0;
        foreach (char c in text)
        {
            long edge = ((long)node << 16) | c;
            if (!_edges.TryGetValue(edge, out int child))
            {
                child = _tokenAtNode.Count;
                _tokenAtNode.Add(-1);
                _edges.Add(edge, child);
            }
            node = child;
        }
        _tokenAtNode[node] = id;
    }
}
