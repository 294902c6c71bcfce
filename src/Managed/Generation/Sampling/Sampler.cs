namespace NativeInfer.Generation.Sampling;

/// <summary>
/// Chooses the next token from a logits vector. The steps and their order (docs/generation.md has the formulas):
/// <list type="number">
/// <item>user <see cref="ILogitsProcessor"/>s, in list order, on the raw logits;</item>
/// <item>penalties over the last <see cref="SamplingOptions.PenaltyLastN"/> context tokens (<see cref="ApplyPenalties"/>);</item>
/// <item>greedy (temperature ≤ 0): the argmax, lowest id on ties — done;</item>
/// <item>top-k, top-p, min-p, temperature, softmax, and a draw with the seeded generator.</item>
/// </list>
/// One sampler per session: it owns candidate and count buffers sized to the vocabulary and allocates
/// nothing per call. Not thread-safe.
/// </summary>
public sealed class Sampler
{
    private readonly TokenCandidate[] _candidates;
    private readonly int[] _counts; // occurrences in the penalty window; all zero between calls
    private ulong[]? _sortKeys;     // SortAll's keys, allocated the first time a full sort is needed
    private int _count;

    public Sampler(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        VocabSize = vocabSize;
        _candidates = new TokenCandidate[vocabSize];
        _counts = new int[vocabSize];
    }

    /// <summary>Logits the sampler reads per call (ids [0, VocabSize)).</summary>
    public int VocabSize { get; }

    /// <summary>
    /// Runs every step on <paramref name="logits"/> (modified in place by processors and penalties) and returns the chosen id.
    /// </summary>
    /// <param name="logits">At least <see cref="VocabSize"/> logits; only the first VocabSize are read.</param>
    /// <param name="context">The tokens the logits follow (prompt and generated), oldest first.</param>
    /// <param name="generated">How many of <paramref name="context"/> this generation produced (for processors).</param>
    public int Sample(Span<float> logits, ReadOnlySpan<int> context, int generated, SamplingOptions options,
                      ReadOnlySpan<ILogitsProcessor> processors, ref Xoshiro256StarStar random)
    {
        logits = Prepare(logits, context, generated, options, processors);
        if (options.IsGreedy) return ArgMax(logits);
        return Draw(BuildDistribution(logits, options), random.NextDouble());
    }

    /// <summary>
    /// The distribution the draw would use after every step — processors and penalties applied to
    /// <paramref name="logits"/> in place — in draw order (descending logit, lowest id first on ties, when
    /// top-k or top-p ran; id order otherwise). Greedy: the argmax alone with probability 1.
    /// The span is the sampler's buffer, valid until its next call.
    /// </summary>
    public ReadOnlySpan<TokenCandidate> Distribution(Span<float> logits, ReadOnlySpan<int> context, int generated, SamplingOptions options,
                                                     ReadOnlySpan<ILogitsProcessor> processors = default)
    {
        logits = Prepare(logits, context, generated, options, processors);
        if (!options.IsGreedy) return BuildDistribution(logits, options);
        int best = ArgMax(logits);
        _candidates[0] = new TokenCandidate(best, logits[best]) { Probability = 1 };
        return _candidates.AsSpan(0, 1);
    }

    private Span<float> Prepare(Span<float> logits, ReadOnlySpan<int> context, int generated, SamplingOptions options,
                                ReadOnlySpan<ILogitsProcessor> processors)
    {
        if (logits.Length < VocabSize) throw new ArgumentException($"logits holds {logits.Length} values; the sampler needs {VocabSize}", nameof(logits));
        logits = logits[..VocabSize];
        if (!processors.IsEmpty)
        {
            var ctx = new LogitsContext(context, generated);
            foreach (ILogitsProcessor p in processors) p.Process(logits, in ctx);
        }
        if (options.HasPenalties)
        {
            ReadOnlySpan<int> window = options.PenaltyLastN < 0 || options.PenaltyLastN >= context.Length ? context : context[^options.PenaltyLastN..];
            ApplyPenalties(logits, window, options.RepetitionPenalty, options.FrequencyPenalty, options.PresencePenalty, _counts);
        }
        return logits;
    }

    /// <summary>
    /// llama.cpp's penalties (<c>llama_sampler_penalties_apply</c>): for every distinct token t of
    /// <paramref name="window"/>, with c = its count there: <c>l = l ≤ 0 ? l·repeat : l/repeat</c>, then
    /// <c>l −= c·frequency + presence</c>. Ids outside the logits are ignored.
    /// </summary>
    /// <param name="counts">Scratch of at least logits.Length zeros; left all zero.</param>
    public static void ApplyPenalties(Span<float> logits, ReadOnlySpan<int> window, float repeat, float frequency, float presence, Span<int> counts)
    {
        foreach (int t in window)
            if ((uint)t < (uint)logits.Length) counts[t]++;
        foreach (int t in window)
        {
            if ((uint)t >= (uint)logits.Length) continue;
            int c = counts[t];
            if (c == 0) continue; // already applied: once per distinct token
            counts[t] = 0;
            float l = logits[t];
            l = l <= 0 ? l * repeat : l / repeat;
            logits[t] = l - (c * frequency + presence);
        }
    }

    /// <summary>Index of the largest logit, the lowest on ties; NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float max = float.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++)
            if (logits[i] > max) (max, best) = (logits[i], i);
        return best;
    }

    // ------------------------------------------------------------------ the truncation steps

    private ReadOnlySpan<TokenCandidate> BuildDistribution(ReadOnlySpan<float> logits, SamplingOptions options)
    {
        _count = logits.Length;
        Span<TokenCandidate> all = _candidates.AsSpan(0, _count);
        for (int i = 0; i < all.Length; i++)
            all[i] = new TokenCandidate(i, float.IsNaN(logits[i]) ? float.NegativeInfinity : logits[i]);

        bool sorted = false;
        if (options.TopK > 0 && options.TopK < _count)
        {
            _count = TopK(all, options.TopK);
            sorted = true;
        }
        if (options.TopP < 1f)
        {
            if (sorted) _count = TopP(_candidates.AsSpan(0, _count), options.TopP);
            else
            {
                // Probabilities over the whole vocabulary, of which only a sorted prefix is materialized.
                (int prefix, double max, double sum) = SortedPrefixForTopP(logits, options.TopP);
                _count = TopP(_candidates.AsSpan(0, prefix), options.TopP, max, sum);
                sorted = true;
            }
        }
        if (options.MinP > 0f) _count = MinP(_candidates.AsSpan(0, _count), options.MinP);

        Span<TokenCandidate> kept = _candidates.AsSpan(0, _count);
        float invT = 1f / options.Temperature;
        for (int i = 0; i < kept.Length; i++) kept[i].Logit *= invT;
        Softmax(kept);
        return kept;
    }

    /// <summary>Moves the k best (higher logit; lower id on ties) to the front, sorted best first; returns k.</summary>
    internal static int TopK(Span<TokenCandidate> all, int k)
    {
        // A min-heap of the k best so far: its root is the worst of them.
        Span<TokenCandidate> heap = all[..k];
        for (int i = k / 2 - 1; i >= 0; i--) SiftDown(heap, i);
        for (int i = k; i < all.Length; i++)
        {
            if (!Better(all[i], heap[0])) continue;
            heap[0] = all[i];
            SiftDown(heap, 0);
        }
        heap.Sort(ByDescendingLogit);
        return k;
    }

    private static void SiftDown(Span<TokenCandidate> heap, int i)
    {
        while (true)
        {
            int worst = i, l = 2 * i + 1, r = l + 1;
            if (l < heap.Length && Better(heap[worst], heap[l])) worst = l;
            if (r < heap.Length && Better(heap[worst], heap[r])) worst = r;
            if (worst == i) return;
            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }

    private static bool Better(in TokenCandidate a, in TokenCandidate b) => a.Logit > b.Logit || (a.Logit == b.Logit && a.Id < b.Id);

    /// <summary>
    /// Top-p without top-k: sorts only as many of the best candidates as top-p can keep when that is few (the best
    /// 64, then 512, by probability mass over the whole vocabulary), else the whole vocabulary by packed integer keys.
    /// Leaves that many candidates, sorted, in front; top-p then cuts exactly where it would after a full sort.
    /// </summary>
    private (int Count, double Max, double Sum) SortedPrefixForTopP(ReadOnlySpan<float> logits, float p)
    {
        int n = logits.Length;
        float max = float.NegativeInfinity;
        foreach (float l in logits) if (l > max) max = l;
        double sum = 0;
        foreach (float l in logits) if (!float.IsNaN(l)) sum += Math.Exp(l - max);
        Span<TokenCandidate> all = _candidates.AsSpan(0, n);
        for (int k = 64; k <= 512 && k < n; k *= 8)
        {
            for (int i = 0; i < n; i++) all[i] = new TokenCandidate(i, float.IsNaN(logits[i]) ? float.NegativeInfinity : logits[i]);
            TopK(all, k);
            double mass = 0;
            for (int i = 0; i < k; i++) mass += Math.Exp(all[i].Logit - max);
            // Margin for rounding: the prefix top-p keeps lies well inside these k.
            if (mass / sum >= p + 1e-4) return (k, max, sum);
        }
        SortAll(logits);
        return (n, max, sum);
    }

    /// <summary>
    /// Every candidate sorted by descending logit, lower id first on ties. Sorts 64-bit keys (the logit's bits
    /// made order-preserving and inverted, then the id): a primitive sort, several times faster than sorting
    /// the structs through a comparison delegate.
    /// </summary>
    private void SortAll(ReadOnlySpan<float> logits)
    {
        int n = logits.Length;
        Span<ulong> keys = (_sortKeys ??= new ulong[VocabSize]).AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            float l = float.IsNaN(logits[i]) ? float.NegativeInfinity : logits[i];
            uint bits = BitConverter.SingleToUInt32Bits(l);
            uint ordered = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u; // ascending with the float
            keys[i] = ((ulong)~ordered << 32) | (uint)i;
        }
        keys.Sort();
        for (int i = 0; i < n; i++)
        {
            int id = (int)(uint)keys[i];
            _candidates[i] = new TokenCandidate(id, float.IsNaN(logits[id]) ? float.NegativeInfinity : logits[id]);
        }
    }

    /// <summary>llama.cpp's top-p on sorted candidates: softmax, keep the shortest prefix whose probability sum reaches p.</summary>
    internal static int TopP(Span<TokenCandidate> sorted, float p)
    {
        float max = float.NegativeInfinity;
        foreach (ref readonly TokenCandidate c in sorted) max = Math.Max(max, c.Logit);
        double sum = 0;
        foreach (ref readonly TokenCandidate c in sorted) sum += Math.Exp(c.Logit - max);
        return TopP(sorted, p, max, sum);
    }

    /// <summary>Top-p over a sorted prefix of the candidates, whose softmax maximum and denominator are <paramref name="max"/>, <paramref name="sum"/>.</summary>
    private static int TopP(Span<TokenCandidate> sorted, float p, double max, double sum)
    {
        double cumulative = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            cumulative += Math.Exp(sorted[i].Logit - max) / sum;
            if (cumulative >= p) return i + 1;
        }
        return sorted.Length;
    }

    /// <summary>llama.cpp's min-p: keep logits ≥ max + ln(p), i.e. probability ≥ p × the top probability; order kept.</summary>
    internal static int MinP(Span<TokenCandidate> candidates, float p)
    {
        float max = float.NegativeInfinity;
        foreach (ref readonly TokenCandidate c in candidates) max = Math.Max(max, c.Logit);
        float min = max + MathF.Log(p);
        int n = 0;
        for (int i = 0; i < candidates.Length; i++)
            if (candidates[i].Logit >= min) candidates[n++] = candidates[i];
        return n;
    }

    /// <summary>p_i = exp(l_i − max) / Σ exp(l_j − max), accumulated in double.</summary>
    internal static void Softmax(Span<TokenCandidate> candidates)
    {
        float max = float.NegativeInfinity;
        foreach (ref readonly TokenCandidate c in candidates) max = Math.Max(max, c.Logit);
        if (float.IsNegativeInfinity(max))
            throw new InvalidOperationException("every token has a logit of −∞: the logits processors left nothing to sample");
        double sum = 0;
        for (int i = 0; i < candidates.Length; i++) sum += Math.Exp(candidates[i].Logit - max);
        for (int i = 0; i < candidates.Length; i++) candidates[i].Probability = (float)(Math.Exp(candidates[i].Logit - max) / sum);
    }

    /// <summary>
    /// Inverse-CDF draw: the first candidate (in the given order) at which the running probability sum
    /// exceeds u × the total; the last candidate with a non-zero probability when rounding leaves u beyond it.
    /// </summary>
    public static int Draw(ReadOnlySpan<TokenCandidate> distribution, double u)
    {
        double total = 0;
        foreach (ref readonly TokenCandidate c in distribution) total += c.Probability;
        double target = u * total, sum = 0;
        int last = distribution[0].Id;
        foreach (ref readonly TokenCandidate c in distribution)
        {
            if (c.Probability <= 0) continue;
            sum += c.Probability;
            last = c.Id;
            if (sum > target) return c.Id;
        }
        return last;
    }

    // A cached delegate: Span.Sort with a struct IComparer boxes it and wraps it in a new delegate on every call.
    private static readonly Comparison<TokenCandidate> ByDescendingLogit = static (a, b) =>
        a.Logit > b.Logit ? -1 : a.Logit < b.Logit ? 1 : a.Id.CompareTo(b.Id);
}
