using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// y += scale · x over [count] values: the residual connection (scale 1) and a gated branch added to the hidden
/// state (scale from a device value, e.g. Qwen2-MoE's sigmoid shared-expert gate, when scaleIndex ≥ 0).
/// </summary>
public sealed class ResidualAddKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int> _kernel;

    public ResidualAddKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, long, int, int>(Kernel);
    }

    /// <summary>y [count] += x [count].</summary>
    public void Launch(AcceleratorStream stream, ArrayView<float> y, ArrayView<float> x, long count) =>
        Launch(stream, y, x, count, x, -1, 0);

    /// <summary>
    /// y [rows · width] += g(scales[row]) · x, row by row; g is sigmoid when <paramref name="sigmoid"/>, else the
    /// value itself. scales: [rows].
    /// </summary>
    public void LaunchScaled(AcceleratorStream stream, ArrayView<float> y, ArrayView<float> x, int rows, int width, ArrayView<float> scales,
                             bool sigmoid)
    {
        ViewChecks.Positive(rows, nameof(rows));
        ViewChecks.Positive(width, nameof(width));
        ViewChecks.Require(scales, rows, nameof(scales), $"[{rows}]");
        Launch(stream, y, x, (long)rows * width, scales, width, sigmoid ? 1 : 0);
    }

    private void Launch(AcceleratorStream stream, ArrayView<float> y, ArrayView<float> x, long count, ArrayView<float> scales, int width, int sigmoid)
    {
        ViewChecks.Positive(count, nameof(count));
        ViewChecks.Require(y, count, nameof(y), $"[{count}]");
        ViewChecks.Require(x, count, nameof(x), $"[{count}]");
        _kernel(stream, _shape.Elementwise(count), y, x, scales, count, width, sigmoid);
    }

    /// <summary>width &lt; 0: no scale; else scale of element i is scales[i / width] (through sigmoid when asked).</summary>
    [GpuKernel]
    internal static void Kernel(ArrayView<float> y, ArrayView<float> x, ArrayView<float> scales, long count, int width, int sigmoid)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX)
        {
            if (width <= 0)
            {
                y[i] += x[i];
                continue;
            }
            float s = scales[i / width];
            if (sigmoid != 0) s = DeviceMath.Sigmoid(s);
            y[i] += x[i] * s;
        }
    }
}
