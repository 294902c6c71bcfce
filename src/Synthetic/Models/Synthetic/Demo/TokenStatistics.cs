namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// Bigram and trigram counts of token sequences, and the next token the demo model is built to predict:
/// after (a, b) seen in the sequences, the most frequent successor of the pair (ties: the more frequent
/// successor of b alone, then the lower id); otherwise the most frequent successor of b (ties: lower id).
/// </summary>
internal sealed class TokenStatistics
{
    private readonly Dictionary<int, Dictionary<int, int>> _bigrams = [];
    private readonly Dictionary<(int, int), Dictionary<int, int>> _trigrams = [];

    public static TokenStatistics Count(IEnumerable<IReadOnlyList<int>> sequences)
    {
        var s = new TokenStatistics();
        foreach (IReadOnlyList<int> seq in sequences)
            for (int i = 0; i + 1 < seq.Count; i++)
            {
                Increment(s._bigrams, seq[i], seq[i + 1]);
                if (i > 0) Increment(s._trigrams, (seq[i - 1], seq[i]), seq[i + 1]);
            }
        return s;
    }

    private static void Increment<TKey>(Dictionary<TKey, Dictionary<int, int>> table, TKey key, int next) where TKey : notnull
    {
        if (!table.TryGetValue(key, out Dictionary<int, int>? counts)) table[key] = counts = [];
        counts[next] = counts.GetValueOrDefault(next) + 1;
    }

    /// <summary>Tokens with at least one successor, ascending.</summary>
    public IReadOnlyList<int> Predecessors => _bigrams.Keys.Order().ToArray();

    /// <summary>Adjacent pairs with at least one successor, ascending.</summary>
    public IReadOnlyList<(int First, int Second)> PredecessorPairs => _trigrams.Keys.Order().ToArray();

    /// <summary>Successors of token b, in the order of the prediction rule (most likely first).</summary>
    public IReadOnlyList<(int Token, int Count)> Successors(int b) =>
        _bigrams.TryGetValue(b, out Dictionary<int, int>? next)
            ? next.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Select(p => (p.Key, p.Value)).ToArray()
            : [];

    /// <summary>Successors of the pair (a, b), in the order of the prediction rule (most likely first).</summary>
    public IReadOnlyList<(int Token, int Count)> Successors(int a, int b)
    {
        if (!_trigrams.TryGetValue((a, b), out Dictionary<int, int>? next)) return [];
        Dictionary<int, int> single = _bigrams[b];
        return next.OrderByDescending(p => p.Value).ThenByDescending(p => single[p.Key]).ThenBy(p => p.Key)
                   .Select(p => (p.Key, p.Value)).ToArray();
    }

    /// <summary>How often each token occurs as a successor: most frequent first, ties to the lower id.</summary>
    public IReadOnlyList<(int Token, int Count)> SuccessorFrequencies()
    {
        var totals = new Dictionary<int, int>();
        foreach (Dictionary<int, int> next in _bigrams.Values)
            foreach ((int token, int count) in next) totals[token] = totals.GetValueOrDefault(token) + count;
        return totals.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Select(p => (p.Key, p.Value)).ToArray();
    }
}
