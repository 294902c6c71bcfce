namespace NativeInfer.Tokenization;

/// <summary>
/// Token ids of recently encoded words, keyed by the word's text. Natural text repeats a small set of
/// words, so most words skip the merge loop. Lookups take a span (no string per lookup); only a miss
/// allocates its key. Bounded: when full it starts over rather than tracking recency.
/// </summary>
internal sealed class WordCache
{
    private const int MaxWords = 1 << 16;
    private const int MaxWordLength = 64; // longer words are rare and would only fill the cache

    private readonly Dictionary<string, (int Offset, int Count)> _words = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Offset, int Count)>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly GrowableBuffer<int> _ids = new(1 << 12);

    public WordCache() => _lookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();

    public bool TryGet(ReadOnlySpan<char> word, out ReadOnlySpan<int> ids)
    {
        if (_lookup.TryGetValue(word, out var entry))
        {
            ids = _ids.Array.AsSpan(entry.Offset, entry.Count);
            return true;
        }
        ids = default;
        return false;
    }

    public void Add(ReadOnlySpan<char> word, ReadOnlySpan<int> ids)
    {
        if (word.Length > MaxWordLength) return;
        if (_words.Count >= MaxWords)
        {
            _words.Clear();
            _ids.Clear();
        }
        int offset = _ids.Count;
        ids.CopyTo(_ids.Resize(offset + ids.Length)[offset..]);
        _lookup.TryAdd(word, (offset, ids.Length));
    }
}
