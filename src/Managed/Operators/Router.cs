using NativeInfer.Config;

namespace NativeInfer.Operators;

/// <summary>
/// Expert selection from router logits (design doc §5): scores = softmax (or sigmoid) of the logits in
/// f32; greedy = top-k over all experts; group-limited greedy = score each of n_group groups by its best
/// expert, keep the best topk_group groups, top-k among their experts. Weights are the selected scores,
/// divided by their sum when norm_topk_prob and k > 1, else multiplied by routed_scaling_factor.
/// Ties go to the lower expert id.
/// </summary>
public static unsafe class Router
{
    /// <summary>For each of n tokens: logits [n][E] → ids [n][k], weights [n][k]. scores is [E] scratch.</summary>
    public static void Route(MoeConfig moe, float* logits, int n, int* ids, float* weights, float* scores)
    {
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        for (int t = 0; t < n; t++)
        {
            float* row = logits + (long)t * e;
            Score(moe.Scoring, row, e, scores);
            int* sel = ids + (long)t * k;
            float* w = weights + (long)t * k;
            if (moe.Routing == RoutingMethod.GroupLimitedGreedy && moe.NumGroups > 1) SelectGroupLimited(moe, scores, sel);
            else SelectTopK(scores, e, k, sel, allowed: null);
            float sum = 0;
            for (int j = 0; j < k; j++) sum += w[j] = scores[sel[j]];
            if (moe.NormalizeTopKProbabilities && k > 1)
                for (int j = 0; j < k; j++) w[j] /= sum;
            else if (moe.RoutedScalingFactor != 1f)
                for (int j = 0; j < k; j++) w[j] *= moe.RoutedScalingFactor;
        }
    }

    private static void Score(ScoringFunction f, float* logits, int e, float* scores)
    {
        if (f == ScoringFunction.Sigmoid)
        {
            for (int i = 0; i < e; i++) scores[i] = 1f / (1f + MathF.Exp(-logits[i]));
            return;
        }
        float max = float.NegativeInfinity;
        for (int i = 0; i < e; i++) max = MathF.Max(max, logits[i]);
        float sum = 0;
        for (int i = 0; i < e; i++) sum += scores[i] = MathF.Exp(logits[i] - max);
        for (int i = 0; i < e; i++) scores[i] /= sum;
    }

    /// <summary>The k best of scores (restricted to `allowed` when given), best first, ties to the lower id.</summary>
    internal static void SelectTopK(float* scores, int e, int k, int* sel, bool* allowed)
    {
        for (int j = 0; j < k; j++)
        {
            int best = -1;
            for (int i = 0; i < e; i++)
            {
                if (allowed != null && !allowed[i]) continue;
                bool taken = false;
                for (int p = 0; p < j; p++) taken |= sel[p] == i;
                if (taken) continue;
                if (best < 0 || scores[i] > scores[best]) best = i;
            }
            sel[j] = best;
        }
    }

    private static void SelectGroupLimited(MoeConfig moe, float* scores, int* sel)
    {
        int e = moe.NumExperts, groups = moe.NumGroups, perGroup = e / groups;
        float* groupScore = stackalloc float[groups];
        for (int g = 0; g < groups; g++)
        {
            float best = float.NegativeInfinity;
            for (int i = 0; i < perGroup; i++) best = MathF.Max(best, scores[g * perGroup + i]);
            groupScore[g] = best;
        }
        int* keptGroups = stackalloc int[moe.TopKGroups];
        SelectTopK(groupScore, groups, moe.TopKGroups, keptGroups, allowed: null);
        bool* allowed = stackalloc bool[e];
        for (int i = 0; i < e; i++) allowed[i] = false;
        for (int j = 0; j < moe.TopKGroups; j++)
            for (int i = 0; i < perGroup; i++) allowed[keptGroups[j] * perGroup + i] = true;
        SelectTopK(scores, e, moe.ExpertsPerToken, sel, allowed);
    }
}
