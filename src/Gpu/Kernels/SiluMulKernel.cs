using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// The gated activation of an MLP: g = silu(g) ⊙ u = g / (1 + e^−g) · u (MlpOperator.SiluMul's expression),
/// with <see cref="DeviceMath.Exp"/>. Grid-stride over the elements.
/// </summary>
public sealed class SiluMulKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, long> _kernel;

    public SiluMulKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, long>(Kernel);
    }

    /// <summary>gate, up: [count]; the result replaces gate.</summary>
    public void Launch(AcceleratorStream stream, ArrayView<float> gate, ArrayView<float> up, long count)
    {
        ViewChecks.Positive(count, nameof(count));
        ViewChecks.Require(gate, count, nameof(gate), $"[{count}]");
        ViewChecks.Require(up, count, nameof(up), $"[{count}]");
        _kernel(stream, _shape.Elementwise(count), gate, up, count);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<float> gate, ArrayView<float> up, long count)
    {
        for (long i = Grid.GlobalIndex.X; i < count; i += (long)Grid.DimX * Group.DimX)
            gate[i] = DeviceMath.Silu(gate[i]) * up[i];
    }
}
