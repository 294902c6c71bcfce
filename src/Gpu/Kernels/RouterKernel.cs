using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;
using NativeInfer.Config;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Expert selection on the device with NativeInfer.Operators.Router's semantics, step by step: scores =
/// softmax or sigmoid of the logits (exact exp); selection scores = scores + bias when the model has one;
/// grouped routing keeps the topk_group best of n_group groups, a group scored by its best selection score
/// (group_limited_greedy) or the sum of its two best (noaux_tc); the k best selection scores among the kept
/// experts, best first; weights = the chosen experts' unbiased scores, divided by their sum when normalising,
/// times routed_scaling_factor. Ties go to the lower expert (and group) id, as on the CPU.
/// One group per token. The top-k runs as k rounds of a group-wide max followed by a min over the ids that
/// reach it; the per-group scores, the group choice and the final weights are computed by one thread in the
/// CPU's order (they are a handful of values). The softmax sum is a group reduction, so weights agree with
/// the CPU to f32 rounding; the selected ids agree exactly unless two scores are within that rounding.
/// </summary>
public sealed class RouterKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
        ArrayView<int>, ArrayView<float>, RouterParameters> _kernel;

    public RouterKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>,
            RouterParameters>(Kernel);
    }

    /// <summary>Floats of scratch per token: scores, selection scores, group scores and kept-group marks.</summary>
    public static int ScratchFloatsPerToken(MoeConfig moe) => 2 * moe.NumExperts + 2 * moe.NumGroups;

    /// <summary>
    /// logits [tokens][E] → ids [tokens][k], weights [tokens][k]. bias: [E] when the config selects with one
    /// (null otherwise); scratch: [tokens][<see cref="ScratchFloatsPerToken"/>]; flags: [tokens][E] ints.
    /// </summary>
    public void Launch(AcceleratorStream stream, MoeConfig moe, ArrayView<float> logits, int tokens, ArrayView<float>? bias,
                       ArrayView<int> ids, ArrayView<float> weights, ArrayView<float> scratch, ArrayView<int> flags)
    {
        ArgumentNullException.ThrowIfNull(moe);
        ViewChecks.Positive(tokens, nameof(tokens));
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        ViewChecks.Positive(e, "moe.NumExperts");
        ViewChecks.Positive(k, "moe.ExpertsPerToken");
        int groups = moe.IsGrouped ? moe.NumGroups : 1;
        if (moe.IsGrouped)
        {
            if (e % groups != 0) throw new ArgumentException($"{e} experts do not split into {groups} groups", nameof(moe));
            if (moe.TopKGroups <= 0 || moe.TopKGroups > groups)
                throw new ArgumentException($"topk_group {moe.TopKGroups} must be in [1, {groups}]", nameof(moe));
        }
        int candidates = moe.IsGrouped ? moe.TopKGroups * (e / groups) : e;
        if (k > candidates) throw new ArgumentException($"k = {k} experts per token but only {candidates} can be chosen", nameof(moe));
        if (moe.SelectionBias && bias is null) throw new ArgumentNullException(nameof(bias), "this router selects by score + bias");
        if (bias is { } b) ViewChecks.Require(b, e, nameof(bias), $"[{e}]");
        ViewChecks.Require(logits, (long)tokens * e, nameof(logits), $"[{tokens}][{e}]");
        ViewChecks.Require(ids, (long)tokens * k, nameof(ids), $"[{tokens}][{k}]");
        ViewChecks.Require(weights, (long)tokens * k, nameof(weights), $"[{tokens}][{k}]");
        ViewChecks.Require(scratch, (long)tokens * ScratchFloatsPerToken(moe), nameof(scratch), $"[{tokens}][{ScratchFloatsPerToken(moe)}]");
        ViewChecks.Require(flags, (long)tokens * e, nameof(flags), $"[{tokens}][{e}]");
        var p = new RouterParameters
        {
            Experts = e,
            K = k,
            Sigmoid = moe.Scoring == ScoringFunction.Sigmoid ? 1 : 0,
            HasBias = moe.SelectionBias ? 1 : 0,
            Groups = moe.IsGrouped ? groups : 0,
            TopKGroups = moe.TopKGroups,
            SumOfTwo = moe.Routing == RoutingMethod.NoAuxTopKGroups ? 1 : 0,
            Normalize = moe.NormalizeTopKProbabilities ? 1 : 0,
            ScalingFactor = moe.RoutedScalingFactor,
            ScratchStride = ScratchFloatsPerToken(moe),
        };
        _kernel(stream, _shape.Groups(tokens), logits, bias ?? logits, scratch, ids, flags, weights, p);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<float> logits, ArrayView<float> bias, ArrayView<float> scratch, ArrayView<int> ids, ArrayView<int> flags,
                                ArrayView<float> weights, RouterParameters p)
    {
        int t = Grid.IdxX, e = p.Experts, k = p.K;
        long l = (long)t * e, scores = (long)t * p.ScratchStride, choice = scores + e, groupScores = choice + e, keptGroups = groupScores + p.Groups;
        long sel = (long)t * k;

        // 1. scores
        if (p.Sigmoid != 0)
        {
            for (int i = Group.IdxX; i < e; i += Group.DimX) scratch[scores + i] = DeviceMath.Sigmoid(logits[l + i]);
        }
        else
        {
            float max = float.NegativeInfinity;
            for (int i = Group.IdxX; i < e; i += Group.DimX) max = MathF.Max(max, logits[l + i]);
            max = GroupExtensions.AllReduce<float, MaxFloat>(max);
            float sum = 0f;
            for (int i = Group.IdxX; i < e; i += Group.DimX)
            {
                float x = DeviceMath.Exp(logits[l + i] - max);
                scratch[scores + i] = x;
                sum += x;
            }
            sum = GroupExtensions.AllReduce<float, AddFloat>(sum);
            for (int i = Group.IdxX; i < e; i += Group.DimX) scratch[scores + i] /= sum;
        }

        // 2. selection scores, every expert allowed until groups say otherwise
        for (int i = Group.IdxX; i < e; i += Group.DimX)
        {
            scratch[choice + i] = p.HasBias != 0 ? scratch[scores + i] + bias[i] : scratch[scores + i];
            flags[l + i] = 1;
        }
        Group.Barrier();

        // 3. groups: score each (best, or best two summed), keep the topk_group best, lower id on ties
        if (p.Groups > 1)
        {
            int perGroup = e / p.Groups;
            for (int g = Group.IdxX; g < p.Groups; g += Group.DimX)
            {
                float first = float.NegativeInfinity, second = float.NegativeInfinity;
                for (int i = 0; i < perGroup; i++)
                {
                    float s = scratch[choice + g * perGroup + i];
                    if (s > first) { second = first; first = s; }
                    else if (s > second) second = s;
                }
                scratch[groupScores + g] = p.SumOfTwo != 0 ? first + second : first;
            }
            Group.Barrier();
            if (Group.IdxX == 0)
            {
                for (int g = 0; g < p.Groups; g++) scratch[keptGroups + g] = 0f;
                for (int j = 0; j < p.TopKGroups; j++)
                {
                    int best = -1;
                    for (int g = 0; g < p.Groups; g++)
                    {
                        if (scratch[keptGroups + g] != 0f) continue;
                        if (best < 0 || scratch[groupScores + g] > scratch[groupScores + best]) best = g;
                    }
                    scratch[keptGroups + best] = 1f;
                }
            }
            Group.Barrier();
            for (int i = Group.IdxX; i < e; i += Group.DimX) flags[l + i] = scratch[keptGroups + i / perGroup] != 0f ? 1 : 0;
            Group.Barrier();
        }

        // 4. top-k over the allowed experts: the highest selection score, the lowest id among equals
        for (int j = 0; j < k; j++)
        {
            float bestValue = float.NegativeInfinity;
            int bestId = int.MaxValue;
            for (int i = Group.IdxX; i < e; i += Group.DimX)
            {
                if (flags[l + i] == 0) continue;
                float s = scratch[choice + i];
                if (bestId == int.MaxValue || s > bestValue) { bestValue = s; bestId = i; }
            }
            float top = GroupExtensions.AllReduce<float, MaxFloat>(bestValue);
            int id = GroupExtensions.AllReduce<int, MinInt32>(bestId != int.MaxValue && bestValue == top ? bestId : int.MaxValue);
            if (Group.IdxX == 0) ids[sel + j] = id;
            if (id != int.MaxValue && id % Group.DimX == Group.IdxX) flags[l + id] = 0;  // its owner marks it taken
            Group.Barrier();
        }

        // 5. weights from the unbiased scores, in the CPU's order
        if (Group.IdxX == 0)
        {
            float sum = 0f;
            for (int j = 0; j < k; j++)
            {
                float w = scratch[scores + ids[sel + j]];
                weights[sel + j] = w;
                sum += w;
            }
            for (int j = 0; j < k; j++)
            {
                float w = weights[sel + j];
                if (p.Normalize != 0) w /= sum;
                if (p.ScalingFactor != 1f) w *= p.ScalingFactor;
                weights[sel + j] = w;
            }
        }
    }
}

/// <summary>The router's configuration as one blittable kernel argument.</summary>
public struct RouterParameters
{
    public int Experts;
    public int K;
    public int Sigmoid;
    public int HasBias;
    /// <summary>n_group when routing is grouped, else 0.</summary>
    public int Groups;
    public int TopKGroups;
    public int SumOfTwo;
    public int Normalize;
    public float ScalingFactor;
    public int ScratchStride;
}
