using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// The two kernels of grouped-query attention over a cache of rows [K heads | V heads] (f32; K head g at
/// g·d, V head g at KvHeads·d + g·d_v), launched by <see cref="GqaAttention"/>. Query head h reads KV head
/// h / (H / KvHeads), as MultiHeadAttentionOperator groups them.
/// </summary>
internal static class GqaAttentionKernels
{
    /// <summary>scores[t][h][τ] = q[t][h] · k_g[τ] for the positions token t sees. One group per ((t, h), τ).</summary>
    [GpuKernel]
    internal static void Scores(ArrayView<float> q, ArrayView<float> cache, ArrayView<float> scores, GqaShape s, int total, int startPosition)
    {
        int row = Grid.IdxX / total, tau = Grid.IdxX % total;
        if (tau > startPosition + row / s.Heads) return;  // masked: the whole group leaves together
        int g = row % s.Heads / (s.Heads / s.KvHeads);
        long qRow = (long)row * s.HeadDim, kRow = tau * s.CacheStride + (long)g * s.HeadDim;
        float sum = 0f;
        for (int i = Group.IdxX; i < s.HeadDim; i += Group.DimX) sum += q[qRow + i] * cache[kRow + i];
        sum = GroupExtensions.Reduce<float, AddFloat>(sum);
        if (Group.IdxX == 0) scores[(long)row * total + tau] = sum;
    }

    /// <summary>o[t][h] = Σ_τ p[t][h][τ] · v_g[τ] (d_v values). One group per (t, h), threads over the value dims.</summary>
    [GpuKernel]
    internal static void Values(ArrayView<float> probabilities, ArrayView<float> cache, ArrayView<float> output, GqaShape s, int total, int startPosition)
    {
        int row = Grid.IdxX;
        int visible = startPosition + row / s.Heads + 1;
        int g = row % s.Heads / (s.Heads / s.KvHeads);
        long p = (long)row * total, o = (long)row * s.ValueDim, v = (long)s.KvHeads * s.HeadDim + (long)g * s.ValueDim;
        for (int i = Group.IdxX; i < s.ValueDim; i += Group.DimX)
        {
            float sum = 0f;
            for (int tau = 0; tau < visible; tau++) sum += probabilities[p + tau] * cache[tau * s.CacheStride + v + i];
            output[o + i] = sum;
        }
    }
}

/// <summary>The dimensions of one GQA layer, as one blittable kernel argument.</summary>
public struct GqaShape
{
    public int Heads;
    public int KvHeads;
    public int HeadDim;
    public int ValueDim;
    /// <summary>Values between consecutive cache rows (≥ KvHeads · (HeadDim + ValueDim)).</summary>
    public long CacheStride;
}
