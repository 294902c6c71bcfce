using NativeInfer.Config;
using NativeInfer.Operators;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Operators;

/// <summary>
/// <see cref="Router.Route"/> against <see cref="RoutingReference"/>: group-limited greedy and DeepSeek-V3's
/// noaux_tc with its selection bias (which llama.cpp's reference logits never exercise: it routes without
/// groups) on random logits and on hand-made edge cases, ties included.
/// </summary>
public class RouterTests
{
    private static MoeConfig Grouped(int experts, int groups, int topKGroups, int k, bool norm = false, float scale = 1f,
                                     ScoringFunction scoring = ScoringFunction.Softmax) => new()
    {
        NumExperts = experts, ExpertsPerToken = k, ExpertIntermediateSize = 8, Routing = RoutingMethod.GroupLimitedGreedy,
        NumGroups = groups, TopKGroups = topKGroups, NormalizeTopKProbabilities = norm, RoutedScalingFactor = scale, Scoring = scoring,
    };

    /// <summary>DeepSeek-V3's router: sigmoid scores, selection bias, noaux_tc groups, renormalised, then scaled.</summary>
    private static MoeConfig V3(int experts, int groups, int topKGroups, int k, float scale = 2.5f, bool norm = true) => new()
    {
        NumExperts = experts, ExpertsPerToken = k, ExpertIntermediateSize = 8, Routing = RoutingMethod.NoAuxTopKGroups,
        NumGroups = groups, TopKGroups = topKGroups, NormalizeTopKProbabilities = norm, RoutedScalingFactor = scale,
        Scoring = ScoringFunction.Sigmoid, SelectionBias = true,
    };

    /// <summary>Routes n tokens of logits [n][E] through the runtime's router.</summary>
    private static unsafe (int[] Ids, float[] Weights) Route(MoeConfig moe, float[] logits, float[]? bias = null)
    {
        int n = logits.Length / moe.NumExperts;
        var ids = new int[n * moe.ExpertsPerToken];
        var weights = new float[n * moe.ExpertsPerToken];
        var scratch = new float[Router.ScratchFloats(moe)];
        fixed (float* l = logits, w = weights, s = scratch, b = bias)
        fixed (int* i = ids)
            Router.Route(moe, l, n, b, i, w, s);
        return (ids, weights);
    }

    private static void AssertMatchesReference(MoeConfig moe, float[] logits, string what, float[]? bias = null)
    {
        var (ids, weights) = Route(moe, logits, bias);
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        for (int t = 0; t < logits.Length / e; t++)
        {
            var (refIds, refWeights) = RoutingReference.Route(moe, logits.AsSpan(t * e, e), bias);
            Assert.That(ids.AsSpan(t * k, k).ToArray(), Is.EqualTo(refIds), $"{what}, token {t}: experts");
            for (int j = 0; j < k; j++)
                Assert.That(weights[t * k + j], Is.EqualTo(refWeights[j]).Within(2e-6 * Math.Max(1, Math.Abs(refWeights[j]))),
                    $"{what}, token {t}, slot {j}: weight");
        }
    }

    // (experts, groups, topk_group, k, norm_topk_prob, routed_scaling_factor): the tiny DeepSeek-V2 shape, V2's
    // own (160 experts in 8 groups, 3 kept, top-6, ×16), renormalized, and k = 1 (normalised to 1, then scaled).
    private static readonly object[] Shapes =
    [
        new object[] { 16, 4, 2, 4, false, 16f },
        new object[] { 160, 8, 3, 6, false, 16f },
        new object[] { 64, 8, 4, 6, true, 1f },
        new object[] { 32, 4, 1, 1, true, 2.5f },
    ];

    [TestCaseSource(nameof(Shapes))]
    public void GroupLimited_RandomLogits_MatchTheDirectComputation(int experts, int groups, int topKGroups, int k, bool norm, float scale)
    {
        MoeConfig moe = Grouped(experts, groups, topKGroups, k, norm, scale);
        int differsFromGreedy = 0;
        foreach (int seed in new[] { 1, 2, 3, 4, 5, 6 })
        {
            const int tokens = 16;
            float[] logits = Reference.Gaussian(seed, tokens * experts, 2f);
            AssertMatchesReference(moe, logits, $"seed {seed}");
            for (int t = 0; t < tokens; t++)
                if (!RoutingReference.GreedyIds(moe, logits.AsSpan(t * experts, experts)).SequenceEqual(RoutingReference.Route(moe, logits.AsSpan(t * experts, experts)).Ids))
                    differsFromGreedy++;
        }
        // With k = 1 the best expert always sits in the best group, so group limiting cannot change anything.
        if (k > 1) Assert.That(differsFromGreedy, Is.GreaterThan(0), "some tokens must route differently from plain top-k, or the group limit is untested");
        else Assert.That(differsFromGreedy, Is.Zero);
    }

    [Test]
    public void GroupLimited_SigmoidScores_MatchTheDirectComputation()
    {
        MoeConfig moe = Grouped(16, 4, 2, 4, norm: true, scoring: ScoringFunction.Sigmoid);
        AssertMatchesReference(moe, Reference.Gaussian(42, 8 * 16, 2f), "sigmoid");
    }

    [Test]
    public void GroupLimited_TiedGroups_KeepTheLowerGroupIndex()
    {
        // 4 groups of 2; groups 1, 2 and 3 all peak at 3.0, only two are kept: groups 1 and 2.
        // Greedy would take expert 6 (3.0, group 3); the group limit takes expert 3 (0.0, group 1; ties → lower id).
        MoeConfig moe = Grouped(8, 4, 2, 3);
        float[] logits = [1, 0, 3, 0, 3, 0, 3, 2.9f];
        var (ids, _) = Route(moe, logits);
        Assert.That(ids, Is.EqualTo(new[] { 2, 4, 3 }));
        Assert.That(RoutingReference.GreedyIds(moe, logits), Is.EqualTo(new[] { 2, 4, 6 }));
        AssertMatchesReference(moe, logits, "tied groups");
    }

    [Test]
    public void GroupLimited_TiedExperts_BestFirstThenLowerId()
    {
        MoeConfig moe = Grouped(8, 2, 1, 3);
        float[] logits = [0.5f, 2, 0.5f, 2, -1, -1, -1, -1];
        Assert.That(Route(moe, logits).Ids, Is.EqualTo(new[] { 1, 3, 0 }));
    }

    [Test]
    public void GroupLimited_OneGroupHoldsAllTheBestExperts_AllComeFromIt()
    {
        // Group 2 (experts 8..11) holds the four best experts, best last.
        MoeConfig moe = Grouped(16, 4, 2, 4, norm: true);
        float[] logits = new float[16];
        for (int i = 0; i < 16; i++) logits[i] = -0.1f * i;
        logits[8] = 3.5f;
        logits[9] = 4f;
        logits[10] = 4.5f;
        logits[11] = 5f;
        var (ids, weights) = Route(moe, logits);
        Assert.That(ids, Is.EqualTo(new[] { 11, 10, 9, 8 }));
        Assert.That(weights.Sum(), Is.EqualTo(1f).Within(1e-6), "norm_topk_prob with k > 1 renormalizes");
        AssertMatchesReference(moe, logits, "one group");
    }

    [Test]
    public void GroupLimited_OneKeptGroup_TakesItsWeakExpertsOverStrongerOnesElsewhere()
    {
        // Group 0 has the single best expert; group 1's experts are all better than group 0's others.
        // With topk_group = 1 only group 0 is kept, so its weak experts fill the remaining slots.
        MoeConfig moe = Grouped(8, 2, 1, 2, scale: 16f);
        float[] logits = [10, -5, -5, -6, 9, 9, 9, 9];
        var (ids, weights) = Route(moe, logits);
        Assert.That(ids, Is.EqualTo(new[] { 0, 1 }));
        Assert.That(RoutingReference.GreedyIds(moe, logits), Is.EqualTo(new[] { 0, 4 }));
        // Not renormalized: the softmax scores (over all 8 experts) × routed_scaling_factor.
        double z = Math.Exp(10) + 2 * Math.Exp(-5) + Math.Exp(-6) + 4 * Math.Exp(9);
        Assert.That(weights[0], Is.EqualTo(16 * Math.Exp(10) / z).Within(1e-5));
        Assert.That(weights[1], Is.EqualTo(16 * Math.Exp(-5) / z).Within(1e-9));
    }

    [Test]
    public void KOfOne_Normalised_IsTheScalingFactor_NotNormalised_IsTheScaledScore()
    {
        // llama.cpp renormalises whatever k is (a single weight becomes 1), then scales; the config builders
        // of checkpoints that skip renormalising for k = 1 (DeepSeek's modeling code) say so by not normalising.
        float[] logits = [0, 1, 2, 3, 0, 0, 0, 0];
        var (ids, weights) = Route(Grouped(8, 4, 2, 1, norm: true, scale: 3f), logits);
        Assert.That(ids, Is.EqualTo(new[] { 3 }));
        Assert.That(weights[0], Is.EqualTo(3f).Within(1e-6));
        double z = 1 + Math.E + Math.Exp(2) + Math.Exp(3) + 4;
        Assert.That(Route(Grouped(8, 4, 2, 1, norm: false, scale: 3f), logits).Weights[0], Is.EqualTo(3 * Math.Exp(3) / z).Within(1e-6));
    }

    // (experts, groups, topk_group, k): DeepSeek-V3 / R1 (256 in 8 groups, 4 kept, top-8), Kimi-K2 (384, one
    // group), Moonlight (64, one group, top-6), and a small grouped shape whose groups of 4 make the sum of
    // the two best matter.
    private static readonly object[] V3Shapes =
    [
        new object[] { 256, 8, 4, 8 },
        new object[] { 384, 1, 1, 8 },
        new object[] { 64, 1, 1, 6 },
        new object[] { 16, 4, 2, 4 },
    ];

    [TestCaseSource(nameof(V3Shapes))]
    public void NoAuxTc_RandomLogitsAndBias_MatchTheDirectComputation(int experts, int groups, int topKGroups, int k)
    {
        MoeConfig moe = V3(experts, groups, topKGroups, k);
        int biasMoved = 0;
        foreach (int seed in new[] { 11, 12, 13, 14 })
        {
            const int tokens = 16;
            float[] logits = Reference.Gaussian(seed, tokens * experts, 2f);
            // e_score_correction_bias in trained checkpoints is of the order of the sigmoid scores' spread.
            float[] bias = Reference.Gaussian(seed + 100, experts, 0.3f);
            AssertMatchesReference(moe, logits, $"seed {seed}", bias);
            for (int t = 0; t < tokens; t++)
                if (!RoutingReference.GreedyIds(moe, logits.AsSpan(t * experts, experts))
                        .SequenceEqual(RoutingReference.Route(moe, logits.AsSpan(t * experts, experts), bias).Ids))
                    biasMoved++;
        }
        Assert.That(biasMoved, Is.GreaterThan(0), "the bias (and groups) must change some selections, or they are untested");
    }

    [Test]
    public void NoAuxTc_BiasSelects_ButWeightsComeFromTheUnbiasedScores()
    {
        // Expert 3 has the lowest logit but a bias that makes it the best choice; its weight is still its own sigmoid.
        MoeConfig moe = V3(4, 1, 1, 2, scale: 1f, norm: false);
        float[] logits = [2, 1, 0, -3];
        float[] bias = [0, 0, 0, 5];
        var (ids, weights) = Route(moe, logits, bias);
        Assert.That(ids, Is.EqualTo(new[] { 3, 0 }));
        Assert.That(weights[0], Is.EqualTo(1 / (1 + Math.Exp(3))).Within(1e-7));
        Assert.That(weights[1], Is.EqualTo(1 / (1 + Math.Exp(-2))).Within(1e-7));
    }

    [Test]
    public void NoAuxTc_GroupScoreIsTheSumOfTheTwoBest_NotTheBest()
    {
        // Group 0 holds the single best expert (sigmoid(4) ≈ 0.982) but a weak second one; group 1's two
        // experts are both good (≈ 0.95 each). By the best-expert rule (V2) group 0 wins; by the sum of
        // two (V3) group 1 does.
        MoeConfig v3 = V3(8, 4, 1, 2, scale: 1f);
        float[] logits = [4, -4, 3, 3, -5, -5, -5, -5];
        float[] zero = new float[8];
        Assert.That(Route(v3, logits, zero).Ids, Is.EqualTo(new[] { 2, 3 }));
        MoeConfig v2 = v3 with { Routing = RoutingMethod.GroupLimitedGreedy, SelectionBias = false };
        Assert.That(Route(v2, logits).Ids, Is.EqualTo(new[] { 0, 1 }));
        AssertMatchesReference(v3, logits, "sum of two", zero);
        AssertMatchesReference(v2, logits, "best of group");
    }

    [Test]
    public void NoAuxTc_TiedGroupSums_KeepTheLowerGroup_TiedExperts_TheLowerId()
    {
        // Every group of two sums to sigmoid(0) + sigmoid(1): topk_group = 2 keeps groups 0 and 1 (lower
        // ids). Among experts 0..3, experts 1 and 2 tie at sigmoid(1) and 0 and 3 at sigmoid(0): 1, 2, then 0.
        MoeConfig moe = V3(8, 4, 2, 3, scale: 1f);
        float[] logits = [0, 1, 1, 0, 0, 1, 1, 0];
        float[] bias = new float[8];
        var (ids, weights) = Route(moe, logits, bias);
        Assert.That(ids, Is.EqualTo(new[] { 1, 2, 0 }));
        double s1 = 1 / (1 + Math.Exp(-1)), s0 = 0.5;
        Assert.That(weights[2], Is.EqualTo(s0 / (2 * s1 + s0)).Within(1e-7));
        AssertMatchesReference(moe, logits, "ties", bias);
    }

    [Test]
    public void NoAuxTc_NormalisesThenScales()
    {
        MoeConfig moe = V3(16, 1, 1, 4, scale: 2.5f);
        var (_, weights) = Route(moe, Reference.Gaussian(5, 16, 2f), new float[16]);
        Assert.That(weights.Sum(), Is.EqualTo(2.5f).Within(1e-5), "renormalised to 1, then × routed_scaling_factor");
    }

    [Test]
    public void GroupLimited_TokensAreRoutedIndependently()
    {
        MoeConfig moe = Grouped(8, 4, 2, 2);
        float[] logits = [5, 0, 0, 0, 0, 0, 0, 4, /* token 1 */ 0, 0, 0, 5, 4, 0, 0, 0];
        Assert.That(Route(moe, logits).Ids, Is.EqualTo(new[] { 0, 7, 3, 4 }));
    }
}
