using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// f32 ↔ f16 over [count] values (f16 as raw ushort bits): activations into the Marlin GEMM's f16 A and its
/// f16 C back to f32. Rounds to nearest even (<see cref="HalfBits"/>), like a cast to <see cref="Half"/>.
/// </summary>
public sealed class HalfConvertKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<ushort>, long> _toHalf;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<float>, long> _toFloat;

    public HalfConvertKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _toHalf = accelerator.LoadKernel<ArrayView<float>, ArrayView<ushort>, long>(ToHalfKernel);
        _toFloat = accelerator.LoadKernel<ArrayView<ushort>, ArrayView<float>, long>(ToFloatKernel);
    }

    public void ToHalf(AcceleratorStream stream, ArrayView<float> source, ArrayView<ushort> destination, long count)
    {
        ViewChecks.Positive(count, nameof(count));
        ViewChecks.Require(source, count, nameof(source), $"[{count}]");
        ViewChecks.Require(destination, count, nameof(destination), $"[{count}]");
        _toHalf(stream, _shape.Elementwise(count), source, destination, count);
    }

    public void ToFloat(AcceleratorStream stream, ArrayView<ushort> source, ArrayView<float> destination, long count)
    {
        ViewChecks.Positive(count, nameof(count));
        ViewChecks.Require(source, count, nameof(source), $"[{count}]");
        ViewChecks.Require(destination, count, nameof(destination), $"[{count}]");
        _toFloat(stream, _shape.Elementwise(count), source, destination, count);
    }

    [GpuKernel]
    internal static void ToHalfKernel(ArrayView<float> source, ArrayView<ushort> destination, long count)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX)
            destination[i] = HalfBits.FromFloat(source[i]);
    }

    [GpuKernel]
    internal static void ToFloatKernel(ArrayView<ushort> source, ArrayView<float> destination, long count)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX)
            destination[i] = HalfBits.ToFloat(source[i]);
    }
}
