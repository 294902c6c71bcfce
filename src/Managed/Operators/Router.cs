using NativeInfer.Config;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// Expert selection from router logits (design doc §5), in f32 as llama.cpp computes it:
/// <list type="number">
/// <item>scores = softmax or sigmoid of the logits;</item>
/// <item>selection scores = scores + the per-expert bias when the model has one (DeepSeek-V3), else the scores;</item>
/// <item>grouped routing keeps the topk_group best of n_group groups, a group scored by its best selection
/// score (DeepSeek-V2's group_limited_greedy) or the sum of its two best (DeepSeek-V3's noaux_tc);</item>
/// <item>the k best selection scores among the kept experts are chosen, best first;</item>
/// <item>weights are the chosen experts' unbiased scores, divided by their sum when normalising, then
/// multiplied by routed_scaling_factor.</item>
/// </list>
/// Ties go to the lower expert (and group) id.
/// </summary>
public static unsafe class Router
{
    /// <summary>Floats of scratch <see cref="Route"/> needs for <paramref name="moe"/>.</summary>
    public static int ScratchFloats(MoeConfig moe) => 2 * moe.NumExperts + moe.NumGroups;

    /// <summary>
    /// For each of n tokens: logits [n][E] → ids [n][k], weights [n][k]. <paramref name="bias"/> is [E]
    /// (required when <see cref="MoeConfig.SelectionBias"/>, else ignored); scratch holds <see cref="ScratchFloats"/>.
    /// </summary>
    public static void Route(MoeConfig moe, float* logits, int n, float* bias, int* ids, float* weights, float* scratch)
    {
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        if (moe.SelectionBias && bias == null) throw new ArgumentNullException(nameof(bias), "this router selects by score + bias");
        float* scores = scratch, choice = moe.SelectionBias ? scratch + e : scratch, groupScores = scratch + 2 * e;
        bool* allowed = stackalloc bool[moe.IsGrouped ? e : 0];
        for (int t = 0; t < n; t++)
        {
            Score(moe.Scoring, logits + (long)t * e, e, scores);
            if (moe.SelectionBias)
                for (int i = 0; i < e; i++) choice[i] = scores[i] + bias[i];
            int* sel = ids + (long)t * k;
            float* w = weights + (long)t * k;
            if (moe.IsGrouped)
            {
                KeepBestGroups(moe, choice, groupScores, allowed);
                SelectTopK(choice, e, k, sel, allowed);
            }
            else SelectTopK(choice, e, k, sel, allowed: null);

            float sum = 0;
            for (int j = 0; j < k; j++) sum += w[j] = scores[sel[j]];
            if (moe.NormalizeTopKProbabilities)
                for (int j = 0; j < k; j++) w[j] /= sum;
            if (moe.RoutedScalingFactor != 1f)
                for (int j = 0; j < k; j++) w[j] *= moe.RoutedScalingFactor;
        }
    }

    private static void Score(ScoringFunction f, float* logits, int e, float* scores)
    {
        if (f == ScoringFunction.Sigmoid)
        {
            for (int i = 0; i < e; i++) scores[i] = Activations.Sigmoid(logits[i]);
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

    /// <summary>Marks the experts of the topk_group best groups in <paramref name="allowed"/>.</summary>
    private static void KeepBestGroups(MoeConfig moe, float* choice, float* groupScores, bool* allowed)
    {
        int groups = moe.NumGroups, perGroup = moe.ExpertsPerGroup;
        bool sumOfTwo = moe.Routing == RoutingMethod.NoAuxTopKGroups;
        for (int g = 0; g < groups; g++)
        {
            float* s = choice + g * perGroup;
            float first = float.NegativeInfinity, second = float.NegativeInfinity;
            for (int i = 0; i < perGroup; i++)
            {
                if (s[i] > first) (first, second) = (s[i], first);
                else if (s[i] > second) second = s[i];
            }
            groupScores[g] = sumOfTwo ? first + second : first;
        }
        int* kept = stackalloc int[moe.TopKGroups];
        SelectTopK(groupScores, groups, moe.TopKGroups, kept, allowed: null);
        new Span<bool>(allowed, moe.NumExperts).Clear();
        for (int j = 0; j < moe.TopKGroups; j++)
            new Span<bool>(allowed + kept[j] * perGroup, perGroup).Fill(true);
    }
}
