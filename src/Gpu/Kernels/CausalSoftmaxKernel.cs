using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Attention probabilities in place, the CPU's AttentionMath.CausalSoftmax: row (t, h) of scores
/// [tokens · heads][total] is multiplied by the scale, token t sees positions ≤ start + t, the visible part
/// becomes softmax in f32 — max, e^(s − max) with the exact <see cref="DeviceMath.Exp"/>, sum, times 1/sum —
/// and the masked tail 0. One group per row; max and sum are group reductions.
/// </summary>
public sealed class CausalSoftmaxKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, int, int, long, int, float> _kernel;

    public CausalSoftmaxKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, int, int, long, int, float>(Kernel);
    }

    /// <summary>scores: [tokens · heads] rows of <paramref name="total"/> values, <paramref name="rowStride"/> apart.</summary>
    public void Launch(AcceleratorStream stream, ArrayView<float> scores, int tokens, int heads, int total, long rowStride, int startPosition,
                       float scale)
    {
        ViewChecks.Positive(tokens, nameof(tokens));
        ViewChecks.Positive(heads, nameof(heads));
        ViewChecks.Positive(total, nameof(total));
        ViewChecks.AtLeast(rowStride, total, nameof(rowStride));
        ViewChecks.AtLeast(startPosition, 0, nameof(startPosition));
        if ((long)startPosition + tokens > total)
            throw new ArgumentOutOfRangeException(nameof(total), $"token {tokens - 1} at position {startPosition + tokens - 1} sees more than the {total} scored positions");
        long rows = (long)tokens * heads;
        ViewChecks.Require(scores, ViewChecks.Span(rows, rowStride, total), nameof(scores), $"[{rows}] rows of {total}, {rowStride} apart");
        _kernel(stream, _shape.Groups(rows), scores, heads, total, rowStride, startPosition, scale);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<float> scores, int heads, int total, long rowStride, int startPosition, float scale)
    {
        int row = Grid.IdxX;
        int visible = startPosition + row / heads + 1;
        long start = row * rowStride;
        float max = float.NegativeInfinity;
        for (int i = Group.IdxX; i < visible; i += Group.DimX)
        {
            float s = scores[start + i] * scale;
            scores[start + i] = s;
            max = MathF.Max(max, s);
        }
        max = GroupExtensions.AllReduce<float, MaxFloat>(max);
        float sum = 0f;
        for (int i = Group.IdxX; i < visible; i += Group.DimX)
        {
            float e = DeviceMath.Exp(scores[start + i] - max);
            scores[start + i] = e;
            sum += e;
        }
        sum = GroupExtensions.AllReduce<float, AddFloat>(sum);
        float inverse = 1f / sum;
        for (int i = Group.IdxX; i < total; i += Group.DimX)
            scores[start + i] = i < visible ? scores[start + i] * inverse : 0f;
    }
}
