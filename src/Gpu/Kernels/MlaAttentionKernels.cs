using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// The four kernels of absorbed multi-head latent attention (design doc §5), launched in order by
/// <see cref="MlaAttention"/>. Shapes: H heads, d_n = qk_nope, d_r = qk_rope, r = kv_lora_rank, d_v = v_head;
/// kv_b as f16 [H][d_n + d_v][r] (rows h·(d_n+d_v) .. +d_n are W_UK[h], the next d_v rows W_UV[h]); the
/// latent cache f32 [positions][r + d_r] = [c | rope(k_pe)] rows, cacheStride values apart.
/// </summary>
internal static class MlaAttentionKernels
{
    /// <summary>
    /// q_cat[t][h] = [W_UK[h]ᵀ q_nope[t][h] | q_pe[t][h]] (r + d_r values) from q [tokens][H][d_n + d_r].
    /// One group per (token, head); each thread owns latent columns j, so W_UK is read row by row, coalesced.
    /// </summary>
    [GpuKernel]
    internal static void AbsorbQuery(ArrayView<float> q, ArrayView<ushort> kvB, ArrayView<float> qcat, MlaShape s)
    {
        int row = Grid.IdxX, h = row % s.Heads;
        long qRow = (long)row * (s.Nope + s.Rope), outRow = (long)row * (s.Rank + s.Rope);
        long w = (long)h * (s.Nope + s.Value) * s.Rank;
        for (int j = Group.IdxX; j < s.Rank; j += Group.DimX)
        {
            float sum = 0f;
            for (int i = 0; i < s.Nope; i++) sum += q[qRow + i] * HalfBits.ToFloat(kvB[w + (long)i * s.Rank + j]);
            qcat[outRow + j] = sum;
        }
        for (int j = Group.IdxX; j < s.Rope; j += Group.DimX) qcat[outRow + s.Rank + j] = q[qRow + s.Nope + j];
    }

    /// <summary>
    /// scores[t][h][τ] = q_cat[t][h] · cache[τ] over the r + d_r values of a cache row, for the positions token t
    /// sees (the rest is left for the softmax to clear). One group per ((t, h), τ); a group reduction per dot.
    /// </summary>
    [GpuKernel]
    internal static void Scores(ArrayView<float> qcat, ArrayView<float> cache, ArrayView<float> scores, MlaShape s, int total, int startPosition)
    {
        int row = Grid.IdxX / total, tau = Grid.IdxX % total;
        if (tau > startPosition + row / s.Heads) return;  // masked: the whole group leaves together
        int width = s.Rank + s.Rope;
        long qRow = (long)row * width, cRow = tau * s.CacheStride;
        float sum = 0f;
        for (int j = Group.IdxX; j < width; j += Group.DimX) sum += qcat[qRow + j] * cache[cRow + j];
        sum = GroupExtensions.Reduce<float, AddFloat>(sum);
        if (Group.IdxX == 0) scores[(long)row * total + tau] = sum;
    }

    /// <summary>o_lat[t][h] = Σ_τ p[t][h][τ] · c[τ] (r values). One group per (t, h), threads over latent columns.</summary>
    [GpuKernel]
    internal static void LatentValue(ArrayView<float> probabilities, ArrayView<float> cache, ArrayView<float> latent, MlaShape s, int total,
                                     int startPosition)
    {
        int row = Grid.IdxX;
        int visible = startPosition + row / s.Heads + 1;
        long p = (long)row * total, o = (long)row * s.Rank;
        for (int j = Group.IdxX; j < s.Rank; j += Group.DimX)
        {
            float sum = 0f;
            for (int tau = 0; tau < visible; tau++) sum += probabilities[p + tau] * cache[tau * s.CacheStride + j];
            latent[o + j] = sum;
        }
    }

    /// <summary>o[t][h][i] = W_UV[h][i] · o_lat[t][h] (d_v values per head). One group per (t, h, i), reduced over r.</summary>
    [GpuKernel]
    internal static void Output(ArrayView<float> latent, ArrayView<ushort> kvB, ArrayView<float> output, MlaShape s)
    {
        int row = Grid.IdxX / s.Value, i = Grid.IdxX % s.Value, h = row % s.Heads;
        long w = ((long)h * (s.Nope + s.Value) + s.Nope + i) * s.Rank, o = (long)row * s.Rank;
        float sum = 0f;
        for (int j = Group.IdxX; j < s.Rank; j += Group.DimX) sum += HalfBits.ToFloat(kvB[w + j]) * latent[o + j];
        sum = GroupExtensions.Reduce<float, AddFloat>(sum);
        if (Group.IdxX == 0) output[(long)row * s.Value + i] = sum;
    }

    /// <summary><see cref="AbsorbQuery"/> with kv_b in f32 (a model run with f32 weights).</summary>
    [GpuKernel]
    internal static void AbsorbQueryF32(ArrayView<float> q, ArrayView<float> kvB, ArrayView<float> qcat, MlaShape s)
    {
        int row = Grid.IdxX, h = row % s.Heads;
        long qRow = (long)row * (s.Nope + s.Rope), outRow = (long)row * (s.Rank + s.Rope);
        long w = (long)h * (s.Nope + s.Value) * s.Rank;
        for (int j = Group.IdxX; j < s.Rank; j += Group.DimX)
        {
            float sum = 0f;
            for (int i = 0; i < s.Nope; i++) sum += q[qRow + i] * kvB[w + (long)i * s.Rank + j];
            qcat[outRow + j] = sum;
        }
        for (int j = Group.IdxX; j < s.Rope; j += Group.DimX) qcat[outRow + s.Rank + j] = q[qRow + s.Nope + j];
    }

    /// <summary><see cref="Output"/> with kv_b in f32.</summary>
    [GpuKernel]
    internal static void OutputF32(ArrayView<float> latent, ArrayView<float> kvB, ArrayView<float> output, MlaShape s)
    {
        int row = Grid.IdxX / s.Value, i = Grid.IdxX % s.Value, h = row % s.Heads;
        long w = ((long)h * (s.Nope + s.Value) + s.Nope + i) * s.Rank, o = (long)row * s.Rank;
        float sum = 0f;
        for (int j = Group.IdxX; j < s.Rank; j += Group.DimX) sum += kvB[w + j] * latent[o + j];
        sum = GroupExtensions.Reduce<float, AddFloat>(sum);
        if (Group.IdxX == 0) output[(long)row * s.Value + i] = sum;
    }
}

/// <summary>The dimensions of one MLA layer, as one blittable kernel argument.</summary>
public struct MlaShape
{
    public int Heads;
    /// <summary>d_n: qk_nope_head_dim.</summary>
    public int Nope;
    /// <summary>d_r: qk_rope_head_dim.</summary>
    public int Rope;
    /// <summary>d_v: v_head_dim.</summary>
    public int Value;
    /// <summary>r: kv_lora_rank.</summary>
    public int Rank;
    /// <summary>Values between consecutive cache rows (≥ r + d_r).</summary>
    public long CacheStride;
}
