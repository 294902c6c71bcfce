using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Rotary embedding in place with a <see cref="RopeTable"/> on the device: for token t (position start + t)
/// and head h, each pair (a, b) — (2i, 2i+1), or (i, i + d/2) for NEOX — becomes
/// (a·cos − b·sin, a·sin + b·cos), RotaryEmbeddingOperator's arithmetic. One group per (token, head), threads
/// over pairs.
/// </summary>
public sealed class RopeKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, long, long, int, int, int> _kernel;

    public RopeKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, long, long, int, int, int>(Kernel);
    }

    /// <summary>
    /// x: token t's head h starts at t · <paramref name="tokenStride"/> + h · <paramref name="headStride"/> and
    /// holds 2 · pairs rotated values; cos, sin: the table's [positions][pairs] on the device.
    /// Positions start .. start + tokens − 1 must lie inside the table.
    /// </summary>
    public void Launch(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> cos, ArrayView<float> sin, RopeTable table,
                       int tokens, int heads, long tokenStride, long headStride, int startPosition)
    {
        ArgumentNullException.ThrowIfNull(table);
        ViewChecks.Positive(tokens, nameof(tokens));
        ViewChecks.Positive(heads, nameof(heads));
        ViewChecks.AtLeast(headStride, 0, nameof(headStride));
        ViewChecks.AtLeast(tokenStride, 0, nameof(tokenStride));
        ViewChecks.AtLeast(startPosition, 0, nameof(startPosition));
        if ((long)startPosition + tokens > table.Positions)
            throw new ArgumentOutOfRangeException(nameof(startPosition),
                $"positions {startPosition}..{startPosition + tokens - 1} are outside the RoPE table's {table.Positions}");
        int width = 2 * table.Pairs;
        long last = (tokens - 1) * tokenStride + (heads - 1) * headStride + width;
        ViewChecks.Require(x, last, nameof(x), $"{tokens} tokens × {heads} heads of {width} values (strides {tokenStride}, {headStride})");
        ViewChecks.Require(cos, (long)table.Positions * table.Pairs, nameof(cos), $"[{table.Positions}][{table.Pairs}]");
        ViewChecks.Require(sin, (long)table.Positions * table.Pairs, nameof(sin), $"[{table.Positions}][{table.Pairs}]");
        _kernel(stream, _shape.Groups((long)tokens * heads), x, cos, sin, heads, tokenStride, headStride, table.Pairs, startPosition,
            table.Neox ? 1 : 0);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<float> x, ArrayView<float> cos, ArrayView<float> sin, int heads, long tokenStride, long headStride,
                                int pairs, int startPosition, int neox)
    {
        int t = Grid.IdxX / heads, h = Grid.IdxX % heads;
        long v = t * tokenStride + h * headStride;
        long table = (long)(startPosition + t) * pairs;
        for (int i = Group.IdxX; i < pairs; i += Group.DimX)
        {
            long a = v + (neox != 0 ? i : 2 * i), b = v + (neox != 0 ? i + pairs : 2 * i + 1);
            float c = cos[table + i], s = sin[table + i];
            float x0 = x[a], x1 = x[b];
            x[a] = x0 * c - x1 * s;
            x[b] = x0 * s + x1 * c;
        }
    }
}
