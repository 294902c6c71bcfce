using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Copies [rows] rows of <c>width</c> f32 values between strided layouts: writing a token's keys and values
/// (or its [c | k_pe]) into its cache row, gathering q_pe next to q_lat. One group per row.
/// </summary>
public sealed class RowCopyKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, long, ArrayView<float>, long, int> _kernel;

    public RowCopyKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, long, ArrayView<float>, long, int>(Kernel);
    }

    /// <summary>destination[r · dstStride + i] = source[r · srcStride + i] for r &lt; rows, i &lt; width.</summary>
    public void Launch(AcceleratorStream stream, ArrayView<float> source, long sourceStride, ArrayView<float> destination, long destinationStride,
                       int rows, int width)
    {
        ViewChecks.Positive(rows, nameof(rows));
        ViewChecks.Positive(width, nameof(width));
        ViewChecks.AtLeast(sourceStride, 0, nameof(sourceStride));
        ViewChecks.AtLeast(destinationStride, 0, nameof(destinationStride));
        ViewChecks.Require(source, ViewChecks.Span(rows, sourceStride, width), nameof(source), $"[{rows}] rows of {width}, {sourceStride} apart");
        ViewChecks.Require(destination, ViewChecks.Span(rows, destinationStride, width), nameof(destination),
            $"[{rows}] rows of {width}, {destinationStride} apart");
        _kernel(stream, _shape.Groups(rows), source, sourceStride, destination, destinationStride, width);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<float> source, long sourceStride, ArrayView<float> destination, long destinationStride, int width)
    {
        long from = Grid.IdxX * sourceStride, to = Grid.IdxX * destinationStride;
        for (int i = Group.IdxX; i < width; i += Group.DimX) destination[to + i] = source[from + i];
    }
}
