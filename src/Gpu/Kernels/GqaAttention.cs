using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Grouped-query attention for Qwen2/3, Llama and Mixtral layers, after the q/k/v projections, in
/// MultiHeadAttentionOperator's order: per-head RMSNorm of q and k when the model has the weights (Qwen3),
/// RoPE on q and k, this pass's k and v written into cache rows [start, start + tokens), then
/// softmax(q·kᵀ / √d) over the visible positions (exact exp) and P·V, giving o [tokens][H][d_v] for o_proj.
/// Scratch (the scores) is the caller's, sized by <see cref="ScratchFloats"/>.
/// </summary>
public sealed class GqaAttention
{
    private readonly KernelShape _shape;
    private readonly RmsNormKernel _norm;
    private readonly RopeKernel _rope;
    private readonly RowCopyKernel _copy;
    private readonly CausalSoftmaxKernel _softmax;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GqaShape, int, int> _scores;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GqaShape, int, int> _values;

    public GqaAttention(Accelerator accelerator, KernelShape shape, RmsNormKernel norm, RopeKernel rope, RowCopyKernel copy, CausalSoftmaxKernel softmax)
    {
        (_shape, _norm, _rope, _copy, _softmax) = (shape, norm, rope, copy, softmax);
        _scores = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GqaShape, int, int>(GqaAttentionKernels.Scores);
        _values = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GqaShape, int, int>(GqaAttentionKernels.Values);
    }

    public static long ScratchFloats(GqaShape s, int tokens, int total) => (long)tokens * s.Heads * total;

    /// <summary>The optional per-head norms (Qwen3's q_norm / k_norm, [HeadDim] each) and their epsilon.</summary>
    public readonly record struct HeadNorms(ArrayView<float> Query, ArrayView<float> Key, float Eps);

    /// <summary>
    /// q [tokens][H][d] and k [tokens][KvHeads][d] are normalised and rotated in place; v [tokens][KvHeads][d_v];
    /// cache rows 0 .. start − 1 hold earlier tokens; rope: the table on the device (cos, sin).
    /// </summary>
    public void Launch(AcceleratorStream stream, GqaShape s, ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, HeadNorms? norms,
                       RopeTable table, ArrayView<float> ropeCos, ArrayView<float> ropeSin, ArrayView<float> cache, int tokens, int startPosition,
                       ArrayView<float> scratch, ArrayView<float> output)
    {
        ArgumentNullException.ThrowIfNull(table);
        ViewChecks.Positive(s.Heads, "Heads");
        ViewChecks.Positive(s.KvHeads, "KvHeads");
        ViewChecks.Positive(s.HeadDim, "HeadDim");
        ViewChecks.Positive(s.ValueDim, "ValueDim");
        if (s.Heads % s.KvHeads != 0) throw new ArgumentException($"{s.Heads} query heads do not split over {s.KvHeads} KV heads", nameof(s));
        if (2 * table.Pairs > s.HeadDim) throw new ArgumentException($"RoPE rotates {2 * table.Pairs} values but heads have {s.HeadDim}", nameof(table));
        ViewChecks.AtLeast(s.CacheStride, (long)s.KvHeads * (s.HeadDim + s.ValueDim), "CacheStride");
        ViewChecks.Positive(tokens, nameof(tokens));
        ViewChecks.AtLeast(startPosition, 0, nameof(startPosition));
        int total = startPosition + tokens;
        long rows = (long)tokens * s.Heads;
        int kWidth = s.KvHeads * s.HeadDim, vWidth = s.KvHeads * s.ValueDim;
        ViewChecks.Require(q, rows * s.HeadDim, nameof(q), $"[{tokens}][{s.Heads}][{s.HeadDim}]");
        ViewChecks.Require(k, (long)tokens * kWidth, nameof(k), $"[{tokens}][{s.KvHeads}][{s.HeadDim}]");
        ViewChecks.Require(v, (long)tokens * vWidth, nameof(v), $"[{tokens}][{s.KvHeads}][{s.ValueDim}]");
        ViewChecks.Require(cache, ViewChecks.Span(total, s.CacheStride, kWidth + vWidth), nameof(cache), $"{total} rows of {kWidth + vWidth}");
        ViewChecks.Require(scratch, ScratchFloats(s, tokens, total), nameof(scratch), $"[{tokens}][{s.Heads}][{total}]");
        ViewChecks.Require(output, rows * s.ValueDim, nameof(output), $"[{tokens}][{s.Heads}][{s.ValueDim}]");

        if (norms is { } n)
        {
            _norm.Launch(stream, q, n.Query, q, (int)rows, s.HeadDim, s.HeadDim, n.Eps);
            _norm.Launch(stream, k, n.Key, k, tokens * s.KvHeads, s.HeadDim, s.HeadDim, n.Eps);
        }
        _rope.Launch(stream, q, ropeCos, ropeSin, table, tokens, s.Heads, (long)s.Heads * s.HeadDim, s.HeadDim, startPosition);
        _rope.Launch(stream, k, ropeCos, ropeSin, table, tokens, s.KvHeads, kWidth, s.HeadDim, startPosition);
        ArrayView<float> firstRow = cache.SubView(startPosition * s.CacheStride);
        _copy.Launch(stream, k, kWidth, firstRow, s.CacheStride, tokens, kWidth);
        _copy.Launch(stream, v, vWidth, firstRow.SubView(kWidth), s.CacheStride, tokens, vWidth);

        ArrayView<float> scores = scratch.SubView(0, rows * total);
        _scores(stream, _shape.Groups(rows * total), q, cache, scores, s, total, startPosition);
        _softmax.Launch(stream, scores, tokens, s.Heads, total, total, startPosition, 1f / MathF.Sqrt(s.HeadDim));
        _values(stream, _shape.Groups(rows), scores, cache, output, s, total, startPosition);
    }
}
