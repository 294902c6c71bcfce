namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// How often each token follows each other token in a set of token sequences, and the most likely
/// successor of each token: highest count, ties to the lower id (the demo model encodes exactly this choice).
/// </summary>
internal sealed class BigramTable
{
    private readonly Dictionary<int, Dictionary<int, int>> _counts = [];

    public static BigramTable Count(IEnumerable<IReadOnlyList<int>> sequences)
    {
        var table = new BigramTable();
        foreach (IReadOnlyList<int> s in sequences)
            for (int i = 0; i + 1 < s.Count; i++)
            {
                if (!table._counts.TryGetValue(s[i], out Dictionary<int, int>? next)) table._counts[s[i]] = next = [];
                next[s[i + 1]] = next.GetValueOrDefault(s[i + 1]) + 1;
            }
        return table;
    }

    /// <summary>Tokens that have at least one successor, ascending.</summary>
    public IReadOnlyList<int> Predecessors => _counts.Keys.Order().ToArray();

    /// <summary>Successors of <paramref name="token"/>, most frequent first, ties to the lower id (empty when it has none).</summary>
    public IReadOnlyList<(int Token, int Count)> Successors(int token) =>
        _counts.TryGetValue(token, out Dictionary<int, int>? next)
            ? next.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Select(p => (p.Key, p.Value)).ToArray()
            : [];

    /// <summary>The most likely successor, or -1 when the token has none.</summary>
    public int MostLikelySuccessor(int token) => Successors(token) is { Count: > 0 } s ? s[0].Token : -1;

    /// <summary>How often each token occurs as a successor: most frequent first, ties to the lower id.</summary>
    public IReadOnlyList<(int Token, int Count)> SuccessorFrequencies()
    {
        var totals = new Dictionary<int, int>();
        foreach (Dictionary<int, int> next in _counts.Values)
            foreach ((int token, int count) in next) totals[token] = totals.GetValueOrDefault(token) + count;
        return totals.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Select(p => (p.Key, p.Value)).ToArray();
    }
}
