using System.Text;

namespace NativeInfer.Tokenization.Training;

/// <summary>
/// Learns byte-level BPE merges from text (the classic training loop): split the text into words with
/// one of the runtime's pre-tokenizers, spell every word as bytes, then repeatedly merge the adjacent
/// pair that occurs most often, counted over all words, until the vocabulary is full or no pair occurs
/// twice. Ties go to the pair whose left and then right token has the lower id, so training is
/// deterministic. Sized for corpora of kilobytes to a few megabytes: pair counts are recomputed over the
/// distinct words after every merge, which is simple and fast enough at that scale.
/// </summary>
internal static class ByteLevelBpeTrainer
{
    private const int ByteTokens = 256;

    /// <param name="texts">Training texts; words never cross text boundaries.</param>
    /// <param name="preTokenizer">A <c>tokenizer.ggml.pre</c> name the runtime supports (the file must name the same one).</param>
    /// <param name="maxTokens">Upper bound on the ordinary tokens: the 256 byte tokens plus the merged ones.</param>
    /// <param name="minPairCount">A pair seen fewer times than this is not merged.</param>
    public static TrainedBpe Train(IEnumerable<string> texts, string preTokenizer, int maxTokens, int minPairCount = 2)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (maxTokens < ByteTokens) throw new ArgumentOutOfRangeException(nameof(maxTokens), $"needs at least the {ByteTokens} byte tokens, got {maxTokens}");
        PreTokenizerCatalog.Entry entry = PreTokenizerCatalog.Find(preTokenizer)
            ?? throw new ArgumentException($"pre-tokenizer '{preTokenizer}' is not supported", nameof(preTokenizer));

        var tokens = new List<string>(maxTokens);
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < ByteTokens; b++)
        {
            string spelled = ByteLevelAlphabet.CharOfByte[b].ToString();
            idOf[spelled] = tokens.Count;
            tokens.Add(spelled);
        }

        (List<int[]> words, List<int> counts) = CountWords(texts, new PreTokenizer(preTokenizer, entry.Regexes));
        var merges = new List<string>();
        var pairCounts = new Dictionary<(int, int), int>();
        while (tokens.Count < maxTokens)
        {
            CountPairs(words, counts, pairCounts);
            if (!TryBest(pairCounts, minPairCount, out (int Left, int Right) best)) break;
            string merged = tokens[best.Left] + tokens[best.Right];
            // Two different pairs can spell the same text ("ab"+"c", "a"+"bc"): the second reuses the token.
            if (!idOf.TryGetValue(merged, out int mergedId))
            {
                mergedId = tokens.Count;
                idOf[merged] = mergedId;
                tokens.Add(merged);
            }
            merges.Add(tokens[best.Left] + " " + tokens[best.Right]);
            foreach (int[] word in words) ApplyMerge(word, best.Left, best.Right, mergedId);
            for (int i = 0; i < words.Count; i++) words[i] = Compact(words[i]);
        }
        return new TrainedBpe(tokens, merges);
    }

    /// <summary>Distinct words (as byte token ids) and how often each occurs.</summary>
    private static (List<int[]> Words, List<int> Counts) CountWords(IEnumerable<string> texts, PreTokenizer pre)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var words = new List<int[]>();
        var counts = new List<int>();
        var scratch = new EncodeScratch();
        foreach (string text in texts)
        {
            ReadOnlySpan<int> codepoints = scratch.LoadCodepoints(text);
            ReadOnlySpan<int> pieces = pre.Split(codepoints, scratch);
            int[] starts = scratch.CharStarts.Span.ToArray();
            int first = 0;
            foreach (int length in pieces)
            {
                string word = text[starts[first]..starts[first + length]];
                first += length;
                if (index.TryGetValue(word, out int at))
                {
                    counts[at]++;
                    continue;
                }
                index[word] = words.Count;
                words.Add(Encoding.UTF8.GetBytes(word).Select(b => (int)b).ToArray());
                counts.Add(1);
            }
        }
        return (words, counts);
    }

    private static void CountPairs(List<int[]> words, List<int> counts, Dictionary<(int, int), int> pairCounts)
    {
        pairCounts.Clear();
        for (int w = 0; w < words.Count; w++)
        {
            int[] word = words[w];
            for (int i = 0; i + 1 < word.Length; i++)
            {
                var pair = (word[i], word[i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + counts[w];
            }
        }
    }

    private static bool TryBest(Dictionary<(int, int), int> pairCounts, int minPairCount, out (int, int) best)
    {
        best = default;
        int bestCount = minPairCount - 1;
        foreach (((int l, int r) pair, int count) in pairCounts)
            if (count > bestCount || (count == bestCount && bestCount >= minPairCount && pair.CompareTo(best) < 0))
                (best, bestCount) = (pair, count);
        return bestCount >= minPairCount;
    }

    /// <summary>Replaces each (left, right) occurrence, left to right and non-overlapping, by merged; freed slots become -1.</summary>
    private static void ApplyMerge(int[] word, int left, int right, int merged)
    {
        for (int i = 0; i + 1 < word.Length; i++)
        {
            if (word[i] != left) continue;
            int j = i + 1;
            while (j < word.Length && word[j] < 0) j++;
            if (j < word.Length && word[j] == right)
            {
                word[i] = merged;
                word[j] = -1;
            }
        }
    }

    private static int[] Compact(int[] word) => Array.IndexOf(word, -1) < 0 ? word : word.Where(t => t >= 0).ToArray();
}
