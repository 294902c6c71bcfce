using NativeInfer.Generation.Sampling;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// Every sampling step against a direct computation on known logits: probabilities in double precision from
/// the formulas of docs/generation.md, written out here independently of the sampler's code.
/// </summary>
public class SamplerTests
{
    // ids:                          0     1    2     3    4     5     6     7
    private static readonly float[] Logits = [1.0f, 3.0f, 2.0f, 0.5f, 3.0f, -1.0f, 2.5f, -0.2f];

    private static SamplingOptions Plain(float temperature = 1f) =>
        new() { Temperature = temperature, TopK = 0, TopP = 1f, MinP = 0f };

    /// <summary>softmax(l/T) over the given ids, in double.</summary>
    private static Dictionary<int, double> Softmax(IEnumerable<int> ids, float[] logits, double temperature = 1)
    {
        int[] kept = ids.ToArray();
        double max = kept.Max(i => logits[i] / temperature);
        double sum = kept.Sum(i => Math.Exp(logits[i] / temperature - max));
        return kept.ToDictionary(i => i, i => Math.Exp(logits[i] / temperature - max) / sum);
    }

    private static void AssertDistribution(ReadOnlySpan<TokenCandidate> actual, Dictionary<int, double> expected, int[]? order = null)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Count), "number of candidates left");
        var seen = new List<int>();
        foreach (TokenCandidate c in actual)
        {
            Assert.That(expected.ContainsKey(c.Id), $"token {c.Id} should have been removed");
            Assert.That(c.Probability, Is.EqualTo(expected[c.Id]).Within(1e-6), $"p({c.Id})");
            seen.Add(c.Id);
        }
        if (order is not null) Assert.That(seen, Is.EqualTo(order), "draw order");
    }

    private static ReadOnlySpan<TokenCandidate> Distribution(SamplingOptions options, float[]? logits = null, int[]? context = null) =>
        new Sampler((logits ?? Logits).Length).Distribution((float[])(logits ?? Logits).Clone(), context ?? [], 0, options);

    [TestCase(1f)]
    [TestCase(0.7f)]
    [TestCase(1.8f)]
    public void Temperature_AloneGivesSoftmaxOfScaledLogits_InIdOrder(float t)
    {
        AssertDistribution(Distribution(Plain(t)), Softmax(Enumerable.Range(0, 8), Logits, t), order: [0, 1, 2, 3, 4, 5, 6, 7]);
    }

    [Test]
    public void TopK_KeepsTheKHighest_LowerIdFirstOnTies_ThenTemperature()
    {
        // 3.0 (ids 1 and 4 tie), 2.5 (6): the three highest.
        AssertDistribution(Distribution(Plain(0.5f) with { TopK = 3 }), Softmax([1, 4, 6], Logits, 0.5), order: [1, 4, 6]);
        // k = 2 cuts between the tied pair and the next: both tied ids stay.
        AssertDistribution(Distribution(Plain() with { TopK = 2 }), Softmax([1, 4], Logits), order: [1, 4]);
        // k ≥ vocabulary: nothing removed, id order kept.
        AssertDistribution(Distribution(Plain() with { TopK = 8 }), Softmax(Enumerable.Range(0, 8), Logits), order: [0, 1, 2, 3, 4, 5, 6, 7]);
    }

    [Test]
    public void TopK_OnATieAtTheCut_KeepsTheLowerId()
    {
        float[] logits = [0f, 5f, 1f, 5f, 5f, 1f];
        AssertDistribution(Distribution(Plain() with { TopK = 2 }, logits), Softmax([1, 3], logits), order: [1, 3]);
    }

    [TestCase(0.5f)]
    [TestCase(0.8f)]
    [TestCase(0.95f)]
    [TestCase(0.99f)]
    public void TopP_KeepsTheShortestSortedPrefixReachingP_ComputedBeforeTemperature(float p)
    {
        // Reference: sort by logit (desc, id asc), softmax at temperature 1, keep until the sum reaches p.
        var sorted = Enumerable.Range(0, 8).OrderByDescending(i => Logits[i]).ThenBy(i => i).ToArray();
        Dictionary<int, double> probs = Softmax(sorted, Logits);
        var kept = new List<int>();
        double sum = 0;
        foreach (int id in sorted)
        {
            kept.Add(id);
            sum += probs[id];
            if (sum >= p) break;
        }
        AssertDistribution(Distribution(Plain(0.6f) with { TopP = p }), Softmax(kept, Logits, 0.6), order: kept.ToArray());
    }

    [TestCase(0.3f, 1.0)]
    [TestCase(0.9f, 1.0)]
    [TestCase(0.95f, 0.2)]
    [TestCase(0.999f, 0.05)]
    public void TopP_OnALargeVocabulary_MatchesAFullSort(float p, double spread)
    {
        // 20,000 logits: peaked (spread 1) to nearly flat (spread 0.05), so the kept prefix ranges from a few tokens to thousands.
        var random = new Random(3);
        float[] logits = Enumerable.Range(0, 20_000).Select(i => (float)(random.NextDouble() * 12 * spread - (i % 97 == 0 ? 0 : 3))).ToArray();
        logits[123] = logits[456] = logits.Max(); // a tie at the top
        logits[7] = logits[8] = float.NegativeInfinity; // forbidden by a processor
        var sorted = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
        double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max)), cumulative = 0;
        var kept = new List<int>();
        foreach (int id in sorted)
        {
            kept.Add(id);
            cumulative += Math.Exp(logits[id] - max) / sum;
            if (cumulative >= p) break;
        }
        var options = Plain(0.7f) with { TopP = p };
        ReadOnlySpan<TokenCandidate> d = new Sampler(logits.Length).Distribution((float[])logits.Clone(), [], 0, options);
        AssertDistribution(d, Softmax(kept, logits, 0.7), order: kept.ToArray());
        TestContext.Out.WriteLine($"top-p {p}: kept {kept.Count} of {logits.Length}");
    }

    [Test]
    public void TopP_HandComputedCase()
    {
        // softmax of [1, 3, 2, 0.5, 3, -1, 2.5, -0.2]: p(1) = p(4) ≈ 0.3076, p(6) ≈ 0.1866, p(2) ≈ 0.1132, ...
        // Cumulative: 0.3076, 0.6152, 0.8018, 0.9149 → top-p 0.8 keeps ids 1, 4, 6; top-p 0.85 also 2.
        AssertDistribution(Distribution(Plain() with { TopP = 0.8f }), Softmax([1, 4, 6], Logits), order: [1, 4, 6]);
        AssertDistribution(Distribution(Plain() with { TopP = 0.85f }), Softmax([1, 4, 6, 2], Logits), order: [1, 4, 6, 2]);
    }

    [TestCase(0.05f)]
    [TestCase(0.3f)]
    [TestCase(0.6f)]
    [TestCase(1f)]
    public void MinP_KeepsTokensAtLeastPTimesTheTopProbability(float minP)
    {
        // p_i ≥ minP · p_max, computed from probabilities at temperature 1 (before the temperature step).
        Dictionary<int, double> probs = Softmax(Enumerable.Range(0, 8), Logits);
        double top = probs.Values.Max();
        int[] kept = Enumerable.Range(0, 8).Where(i => probs[i] >= minP * top - 1e-12).ToArray();
        AssertDistribution(Distribution(Plain(1.3f) with { MinP = minP }), Softmax(kept, Logits, 1.3), order: kept);
    }

    [Test]
    public void AllSteps_RunInLlamaCppOrder()
    {
        // top-k 5 → {1, 4, 6, 2, 0}; top-p 0.9 on their softmax; min-p 0.2 on what is left; temperature 0.8.
        int[] topK = [1, 4, 6, 2, 0];
        Dictionary<int, double> p = Softmax(topK, Logits);
        var afterP = new List<int>();
        double sum = 0;
        foreach (int id in topK)
        {
            afterP.Add(id);
            sum += p[id];
            if (sum >= 0.9) break;
        }
        double max = afterP.Max(i => Logits[i]);
        int[] afterMin = afterP.Where(i => Logits[i] >= max + Math.Log(0.2)).ToArray();
        var options = new SamplingOptions { Temperature = 0.8f, TopK = 5, TopP = 0.9f, MinP = 0.2f };
        AssertDistribution(Distribution(options), Softmax(afterMin, Logits, 0.8), order: afterMin);
    }

    [Test]
    public void Greedy_IsTheArgMax_LowestIdOnTies_AfterPenalties()
    {
        var sampler = new Sampler(8);
        var random = new Xoshiro256StarStar(1);
        Assert.That(sampler.Sample((float[])Logits.Clone(), [], 0, SamplingOptions.Greedy, [], ref random), Is.EqualTo(1), "ids 1 and 4 tie at 3.0");
        // Penalising token 1 (3.0 / 2 = 1.5) leaves 4 as the maximum.
        var penalised = SamplingOptions.Greedy with { RepetitionPenalty = 2f };
        Assert.That(sampler.Sample((float[])Logits.Clone(), [1], 0, penalised, [], ref random), Is.EqualTo(4));
    }

    [Test]
    public void RepetitionPenalty_DividesPositiveAndMultipliesNegativeLogits_OncePerDistinctToken()
    {
        float[] logits = [2f, -1f, 0f, 4f, 3f];
        int[] history = [0, 1, 0, 2, 0]; // token 0 three times, 1 and 2 once; 3 and 4 never
        Sampler.ApplyPenalties(logits, history, repeat: 2f, frequency: 0f, presence: 0f, new int[5]);
        Assert.That(logits, Is.EqualTo(new[] { 1f, -2f, 0f, 4f, 3f }), "2/2, -1·2, 0·2 (0 counts as non-positive); others untouched");
    }

    [Test]
    public void FrequencyAndPresencePenalties_SubtractCountTimesFrequencyPlusPresence()
    {
        float[] logits = [2f, -1f, 0f, 4f, 3f];
        int[] history = [0, 1, 0, 2, 0];
        Sampler.ApplyPenalties(logits, history, repeat: 1f, frequency: 0.5f, presence: 0.25f, new int[5]);
        Assert.That(logits, Is.EqualTo(new[] { 2f - 3 * 0.5f - 0.25f, -1f - 0.5f - 0.25f, 0f - 0.5f - 0.25f, 4f, 3f }));
    }

    [Test]
    public void AllPenaltiesTogether_RepetitionFirst_ThenSubtraction()
    {
        float[] logits = [2f, -1f, 0f, 4f, 3f];
        Sampler.ApplyPenalties(logits, [3, 3, 1], repeat: 1.25f, frequency: 0.1f, presence: 1f, new int[5]);
        Assert.That(logits[3], Is.EqualTo(4f / 1.25f - 2 * 0.1f - 1f).Within(1e-6f));
        Assert.That(logits[1], Is.EqualTo(-1f * 1.25f - 0.1f - 1f).Within(1e-6f));
        Assert.That(logits[0], Is.EqualTo(2f));
    }

    [Test]
    public void PenaltyLastN_LooksOnlyAtTheLatestTokens()
    {
        float[] logits = [2f, 2f, 2f, 2f];
        int[] context = [0, 0, 1, 2]; // last 2: tokens 1 and 2
        var options = Plain() with { PresencePenalty = 1f, PenaltyLastN = 2 };
        ReadOnlySpan<TokenCandidate> d = new Sampler(4).Distribution(logits, context, 0, options);
        Assert.That(logits, Is.EqualTo(new[] { 2f, 1f, 1f, 2f }), "token 0 is outside the window");
        AssertDistribution(d, Softmax([0, 1, 2, 3], [2f, 1f, 1f, 2f]));

        float[] all = [2f, 2f, 2f, 2f];
        new Sampler(4).Distribution(all, context, 0, options with { PenaltyLastN = -1 });
        Assert.That(all, Is.EqualTo(new[] { 1f, 1f, 1f, 2f }), "-1: the whole context");

        float[] none = [2f, 2f, 2f, 2f];
        new Sampler(4).Distribution(none, context, 0, options with { PenaltyLastN = 0 });
        Assert.That(none, Is.EqualTo(new[] { 2f, 2f, 2f, 2f }), "0: no penalties");
    }

    [Test]
    public void LogitsProcessors_RunFirst_InListOrder_AndSeeTheContext()
    {
        var seen = new List<string>();
        var ban = new DelegateProcessor((logits, ctx) => { seen.Add($"ban:{ctx.Tokens.Length}:{ctx.Generated}"); logits[1] = float.NegativeInfinity; });
        var boost = new DelegateProcessor((logits, ctx) => { seen.Add("boost"); logits[4] += 0.5f; });
        float[] logits = (float[])Logits.Clone();
        // Repetition penalty on token 4 runs after the boost: (3.0 + 0.5) / 2.
        var options = Plain() with { RepetitionPenalty = 2f };
        ReadOnlySpan<TokenCandidate> d = new Sampler(8).Distribution(logits, [7, 4], 1, options, [ban, boost]);
        Assert.That(seen, Is.EqualTo(new[] { "ban:2:1", "boost" }));
        Assert.That(logits[4], Is.EqualTo(1.75f));
        Assert.That(logits[1], Is.EqualTo(float.NegativeInfinity));
        var expected = Softmax(Enumerable.Range(0, 8), logits);
        AssertDistribution(d, expected);
    }

    [Test]
    public void EveryTokenForbidden_IsAClearError()
    {
        var banAll = new DelegateProcessor((logits, _) => logits.Fill(float.NegativeInfinity));
        var e = Assert.Throws<InvalidOperationException>(() => new Sampler(8).Distribution((float[])Logits.Clone(), [], 0, Plain(), [banAll]));
        Assert.That(e!.Message, Does.Contain("−∞"));
    }

    [Test]
    public void Draw_IsTheInverseCdfInCandidateOrder()
    {
        TokenCandidate[] d = [new(7, 0) { Probability = 0.5f }, new(2, 0) { Probability = 0.3f }, new(9, 0) { Probability = 0.2f }];
        Assert.That(Sampler.Draw(d, 0.0), Is.EqualTo(7));
        Assert.That(Sampler.Draw(d, 0.49), Is.EqualTo(7));
        Assert.That(Sampler.Draw(d, 0.51), Is.EqualTo(2));
        Assert.That(Sampler.Draw(d, 0.79), Is.EqualTo(2));
        Assert.That(Sampler.Draw(d, 0.81), Is.EqualTo(9));
        Assert.That(Sampler.Draw(d, 0.999999), Is.EqualTo(9));
    }

    [Test]
    public void Sampling_FrequenciesMatchTheDistribution()
    {
        // 40,000 draws; each frequency within 5 standard deviations of its probability.
        var options = Plain(0.9f) with { TopK = 6 };
        Dictionary<int, double> expected = Softmax([1, 4, 6, 2, 0, 3], Logits, 0.9);
        var sampler = new Sampler(8);
        var random = new Xoshiro256StarStar(2024);
        var counts = new int[8];
        const int n = 40_000;
        for (int i = 0; i < n; i++) counts[sampler.Sample((float[])Logits.Clone(), [], 0, options, [], ref random)]++;
        Assert.That(counts[5] + counts[7], Is.Zero, "tokens cut by top-k are never drawn");
        foreach (var (id, p) in expected)
        {
            double sd = Math.Sqrt(n * p * (1 - p));
            Assert.That(counts[id], Is.EqualTo(n * p).Within(5 * sd), $"token {id}");
        }
    }

    [Test]
    public void SameSeed_SameTokens_DifferentSeed_DifferentTokens()
    {
        int[] Run(ulong seed)
        {
            var sampler = new Sampler(8);
            var random = new Xoshiro256StarStar(seed);
            return Enumerable.Range(0, 64).Select(_ => sampler.Sample((float[])Logits.Clone(), [], 0, Plain(), [], ref random)).ToArray();
        }
        int[] first = Run(5), second = Run(5), other = Run(6);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
    }

    [Test]
    public void Xoshiro256StarStar_MatchesTheReferenceImplementation()
    {
        // SplitMix64 from 1234567: the values published with the algorithm (also Rosetta Code's test vector).
        ulong x = 1234567;
        Assert.That(new[] { Xoshiro256StarStar.SplitMix64(ref x), Xoshiro256StarStar.SplitMix64(ref x), Xoshiro256StarStar.SplitMix64(ref x) },
                    Is.EqualTo(new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL }));
        // xoshiro256** 1.0, state from SplitMix64(seed): outputs of Vigna's reference C code (xoshiro256starstar.c, splitmix64.c).
        AssertSequence(0, [11091344671253066420UL, 13793997310169335082UL, 1900383378846508768UL, 7684712102626143532UL, 13521403990117723737UL, 18442103541295991498UL]);
        AssertSequence(42, [1546998764402558742UL, 6990951692964543102UL, 12544586762248559009UL, 17057574109182124193UL, 18295552978065317476UL, 14199186830065750584UL]);
        AssertSequence(ulong.MaxValue, [10328197420357168392UL, 14156678507024973869UL, 9357971779955476126UL, 13791585006304312367UL, 10463432026814718762UL, 13498236496097551653UL]);

        static void AssertSequence(ulong seed, ulong[] expected)
        {
            var r = new Xoshiro256StarStar(seed);
            Assert.That(expected.Select(_ => r.NextUInt64()).ToArray(), Is.EqualTo(expected), $"seed {seed}");
        }
    }

    [Test]
    public void NextDouble_IsTheTop53BitsScaled()
    {
        var a = new Xoshiro256StarStar(42);
        var b = new Xoshiro256StarStar(42);
        for (int i = 0; i < 100; i++)
        {
            double d = a.NextDouble();
            Assert.That(d, Is.EqualTo((b.NextUInt64() >> 11) / 9007199254740992.0));
            Assert.That(d, Is.GreaterThanOrEqualTo(0).And.LessThan(1));
        }
    }

    private sealed class DelegateProcessor(DelegateProcessor.Body body) : ILogitsProcessor
    {
        public delegate void Body(Span<float> logits, LogitsContext context);

        public void Process(Span<float> logits, in LogitsContext context) => body(logits, context);
    }
}
