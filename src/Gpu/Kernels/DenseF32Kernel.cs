using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// y[m][N] = x[m][K] · Wᵀ (+ bias) with the weight kept f32 on the device: for the linears whose rounding to f16
/// would change a discrete decision — the router gate, whose logits pick the experts (an expert choice that
/// flips on a 1e-3 difference changes the output by whole logits) — and for models run with f32 linears.
/// Same shape as <see cref="DenseF16Kernel"/>: one group per output feature, a group reduction over K.
/// </summary>
public sealed class DenseF32Kernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _kernel;

    public DenseF32Kernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(Kernel);
    }

    /// <summary>weight: [n][k] f32; x: [m][k]; y: [m][n]; bias: [n], or null for none.</summary>
    public void Launch(AcceleratorStream stream, ArrayView<float> weight, ArrayView<float>? bias, ArrayView<float> x, ArrayView<float> y,
                       int m, int n, int k)
    {
        ViewChecks.Positive(m, nameof(m));
        ViewChecks.Positive(n, nameof(n));
        ViewChecks.Positive(k, nameof(k));
        ViewChecks.Require(weight, (long)n * k, nameof(weight), $"[{n}][{k}]");
        ViewChecks.Require(x, (long)m * k, nameof(x), $"[{m}][{k}]");
        ViewChecks.Require(y, (long)m * n, nameof(y), $"[{m}][{n}]");
        if (bias is { } b) ViewChecks.Require(b, n, nameof(bias), $"[{n}]");
        _kernel(stream, _shape.Groups(n), weight, bias ?? y, x, y, bias is null ? 0 : 1, m, n, k);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> x, ArrayView<float> y, int hasBias,
                                int m, int n, int k)
    {
        int row = Grid.IdxX;
        long w = (long)row * k;
        for (int t = 0; t < m; t++)
        {
            long xt = (long)t * k;
            float sum = 0f;
            for (int i = Group.IdxX; i < k; i += Group.DimX) sum += weight[w + i] * x[xt + i];
            float total = GroupExtensions.AllReduce<float, AddFloat>(sum);
            if (Group.IdxX == 0) y[(long)t * n + row] = hasBias != 0 ? total + bias[row] : total;
        }
    }
}
