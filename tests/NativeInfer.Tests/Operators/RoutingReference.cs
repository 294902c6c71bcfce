using NativeInfer.Config;

namespace NativeInfer.Tests.Operators;

/// <summary>
/// Expert routing written out directly in float64 from DeepSeek's MoEGate (V2's modeling_deepseek.py,
/// V3's inference/model.py) and llama.cpp's build_moe_ffn, independently of
/// <see cref="NativeInfer.Operators.Router"/>:
/// scores = softmax (or sigmoid) of the logits; selection scores = scores + bias (V3's
/// e_score_correction_bias) or the scores; group_limited_greedy scores each group by its best selection
/// score, noaux_tc by the sum of its two best; the topk_group best groups are kept and the top-k
/// experts by selection score among them chosen; weights are the chosen experts' unbiased scores,
/// divided by their sum when normalising, then multiplied by routed_scaling_factor. Ties go to the
/// lower index (torch.topk's order is unspecified; the runtime fixes it this way).
/// </summary>
internal static class RoutingReference
{
    public static (int[] Ids, double[] Weights) Route(MoeConfig moe, ReadOnlySpan<float> logits, ReadOnlySpan<float> bias = default)
    {
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        double[] scores = new double[e];
        if (moe.Scoring == ScoringFunction.Sigmoid)
            for (int i = 0; i < e; i++) scores[i] = 1 / (1 + Math.Exp(-logits[i]));
        else
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < e; i++) max = Math.Max(max, logits[i]);
            for (int i = 0; i < e; i++) sum += scores[i] = Math.Exp(logits[i] - max);
            for (int i = 0; i < e; i++) scores[i] /= sum;
        }
        double[] choice = new double[e];
        for (int i = 0; i < e; i++) choice[i] = scores[i] + (moe.SelectionBias ? bias[i] : 0);

        IEnumerable<int> candidates = Enumerable.Range(0, e);
        bool grouped = moe.Routing is RoutingMethod.GroupLimitedGreedy or RoutingMethod.NoAuxTopKGroups && moe.NumGroups > 1;
        if (grouped)
        {
            int perGroup = e / moe.NumGroups;
            double GroupScore(int g)
            {
                var members = Enumerable.Range(g * perGroup, perGroup).Select(i => choice[i]).OrderByDescending(v => v).ToArray();
                return moe.Routing == RoutingMethod.NoAuxTopKGroups ? members[0] + members[1] : members[0];
            }
            var keptGroups = Enumerable.Range(0, moe.NumGroups)
                .Select(g => (Group: g, Score: GroupScore(g)))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Group)
                .Take(moe.TopKGroups).Select(x => x.Group).ToHashSet();
            candidates = candidates.Where(i => keptGroups.Contains(i / perGroup));
        }
        int[] ids = candidates.OrderByDescending(i => choice[i]).ThenBy(i => i).Take(k).ToArray();
        double[] weights = ids.Select(i => scores[i]).ToArray();
        if (moe.NormalizeTopKProbabilities)
        {
            double total = weights.Sum();
            for (int j = 0; j < k; j++) weights[j] /= total;
        }
        for (int j = 0; j < k; j++) weights[j] *= moe.RoutedScalingFactor;
        return (ids, weights);
    }

    /// <summary>
    /// How far the routing decision is from a tie, in router-logit units: the smallest δ such that moving every logit
    /// by at most δ could change the chosen set (a lower bound). Softmax over all experts (monotone in the logits): half
    /// the gap between the k-th and (k+1)-th logit. Sigmoid scores move by at most δ/4 per logit, so a gap g between
    /// selection scores (score + bias) needs δ ≥ 2g; with noaux_tc groups (each scored by the sum of its two best) the
    /// gap between the last kept and the first dropped group needs δ ≥ g. For telling a near tie from a defect when
    /// a path with rounded activations is compared with float64. NaN where no bound is written (grouped softmax routing).
    /// </summary>
    public static double Margin(MoeConfig moe, ReadOnlySpan<float> logits, ReadOnlySpan<float> bias = default)
    {
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        if (k >= e) return double.PositiveInfinity;
        bool grouped = moe.Routing is RoutingMethod.GroupLimitedGreedy or RoutingMethod.NoAuxTopKGroups && moe.NumGroups > 1;
        if (moe.Scoring != ScoringFunction.Sigmoid)
        {
            if (grouped) return double.NaN;  // grouped softmax: not written (no test needs it)
            double[] sorted = logits.ToArray().Select(v => (double)v).OrderByDescending(v => v).ToArray();
            return (sorted[k - 1] - sorted[k]) / 2;
        }
        if (grouped && moe.Routing != RoutingMethod.NoAuxTopKGroups) return double.NaN;  // group_limited_greedy with sigmoid: not written
        var choice = new double[e];
        for (int i = 0; i < e; i++) choice[i] = 1 / (1 + Math.Exp(-logits[i])) + (moe.SelectionBias ? bias[i] : 0);
        IEnumerable<int> candidates = Enumerable.Range(0, e);
        double groupMargin = double.PositiveInfinity;
        if (grouped)
        {
            int perGroup = e / moe.NumGroups;
            var groups = Enumerable.Range(0, moe.NumGroups)
                .Select(g => (Group: g, Score: Enumerable.Range(g * perGroup, perGroup).Select(i => choice[i]).OrderByDescending(v => v).Take(2).Sum()))
                .OrderByDescending(x => x.Score).ToArray();
            if (moe.TopKGroups < moe.NumGroups) groupMargin = groups[moe.TopKGroups - 1].Score - groups[moe.TopKGroups].Score;
            var kept = groups.Take(moe.TopKGroups).Select(x => x.Group).ToHashSet();
            candidates = candidates.Where(i => kept.Contains(i / perGroup));
        }
        double[] best = candidates.Select(i => choice[i]).OrderByDescending(v => v).ToArray();
        double expertMargin = k < best.Length ? 2 * (best[k - 1] - best[k]) : double.PositiveInfinity;
        return Math.Min(expertMargin, groupMargin);
    }

    /// <summary>The same logits routed greedily over all experts by the unbiased scores (to show a test exercises groups or bias).</summary>
    public static int[] GreedyIds(MoeConfig moe, ReadOnlySpan<float> logits) =>
        Route(moe with { Routing = RoutingMethod.Greedy, NumGroups = 1, TopKGroups = 1, SelectionBias = false }, logits).Ids;
}
