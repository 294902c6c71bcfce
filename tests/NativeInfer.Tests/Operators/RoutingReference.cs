using NativeInfer.Config;

namespace NativeInfer.Tests.Operators;

/// <summary>
/// Expert routing written out directly from DeepSeek-V2's MoEGate (modeling_deepseek.py) in float64,
/// independently of <see cref="NativeInfer.Operators.Router"/>: scores = softmax (or sigmoid) of the
/// logits; group_limited_greedy scores each group by its best expert, keeps the topk_group best groups
/// and takes the top-k experts among them; weights are the scores, divided by their sum when
/// norm_topk_prob and k > 1, else multiplied by routed_scaling_factor. Ties go to the lower index
/// (torch.topk's order is unspecified; the runtime fixes it this way).
/// </summary>
internal static class RoutingReference
{
    public static (int[] Ids, double[] Weights) Route(MoeConfig moe, ReadOnlySpan<float> logits)
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

        IEnumerable<int> candidates = Enumerable.Range(0, e);
        if (moe.Routing == RoutingMethod.GroupLimitedGreedy && moe.NumGroups > 1)
        {
            int perGroup = e / moe.NumGroups;
            var keptGroups = Enumerable.Range(0, moe.NumGroups)
                .Select(g => (Group: g, Score: Enumerable.Range(g * perGroup, perGroup).Max(i => scores[i])))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Group)
                .Take(moe.TopKGroups).Select(x => x.Group).ToHashSet();
            candidates = candidates.Where(i => keptGroups.Contains(i / perGroup));
        }
        int[] ids = candidates.OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).ToArray();
        double[] weights = ids.Select(i => scores[i]).ToArray();
        if (moe.NormalizeTopKProbabilities && k > 1)
        {
            double total = weights.Sum();
            for (int j = 0; j < k; j++) weights[j] /= total;
        }
        else
        {
            for (int j = 0; j < k; j++) weights[j] *= moe.RoutedScalingFactor;
        }
        return (ids, weights);
    }

    /// <summary>The same logits routed greedily over all experts (to show a test exercises the group limit).</summary>
    public static int[] GreedyIds(MoeConfig moe, ReadOnlySpan<float> logits) =>
        Route(moe with { Routing = RoutingMethod.Greedy, NumGroups = 1, TopKGroups = 1 }, logits).Ids;
}
