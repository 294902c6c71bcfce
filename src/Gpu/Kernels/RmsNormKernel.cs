using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// RMSNorm per row: y = x · (1 / √(mean(x²) + eps)) · w, the CPU operator's order of operations
/// (RmsNormOperator). One group per row; the sum of squares is an f32 group reduction (the CPU sums in f64,
/// so results agree to f32 rounding, not bit for bit). Rows may be strided (the latent c inside [c | k_pe]
/// rows) and x may be y (in place: every thread reads its values before the reduction's barrier).
/// </summary>
public sealed class RmsNormKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, long, float> _kernel;

    public RmsNormKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, long, float>(Kernel);
    }

    /// <summary>
    /// x, y: [rows] rows of <paramref name="dim"/> values, <paramref name="rowStride"/> values apart;
    /// weight: [dim].
    /// </summary>
    public void Launch(AcceleratorStream stream, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y,
                       int rows, int dim, long rowStride, float eps)
    {
        ViewChecks.Positive(rows, nameof(rows));
        ViewChecks.Positive(dim, nameof(dim));
        ViewChecks.AtLeast(rowStride, dim, nameof(rowStride));
        ViewChecks.Require(x, ViewChecks.Span(rows, rowStride, dim), nameof(x), $"[{rows}] rows of {dim} values, {rowStride} apart");
        ViewChecks.Require(y, ViewChecks.Span(rows, rowStride, dim), nameof(y), $"[{rows}] rows of {dim} values, {rowStride} apart");
        ViewChecks.Require(weight, dim, nameof(weight), $"[{dim}]");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps must be ≥ 0 (got {eps})");
        _kernel(stream, _shape.Groups(rows), x, weight, y, dim, rowStride, eps);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y, int dim, long rowStride, float eps)
    {
        long row = Grid.IdxX * rowStride;
        float sum = 0f;
        for (int i = Group.IdxX; i < dim; i += Group.DimX)
        {
            float v = x[row + i];
            sum += v * v;
        }
        float total = GroupExtensions.AllReduce<float, AddFloat>(sum);
        float scale = 1f / MathF.Sqrt(total / dim + eps);
        for (int i = Group.IdxX; i < dim; i += Group.DimX)
            y[row + i] = x[row + i] * scale * weight[i];
    }
}
