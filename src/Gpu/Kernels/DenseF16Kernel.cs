using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// y[m][N] = x[m][K] · Wᵀ (+ bias) for a small linear whose weight stays F16 on the device (the router gate,
/// Qwen2-MoE's shared-expert gate, anything that does not meet the int4 GEMM's N % 64 / K % 128 rules):
/// W [N][K] f16 bits in GGUF orientation, x and y f32, f32 accumulation. One group per output feature, the
/// group's threads stride over K and meet in a group reduction; every token of the batch reuses the row.
/// </summary>
public sealed class DenseF16Kernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _kernel;

    public DenseF16Kernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<ushort>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(Kernel);
    }

    /// <summary>weight: [n][k] f16; x: [m][k]; y: [m][n]; bias: [n], or null for none.</summary>
    public void Launch(AcceleratorStream stream, ArrayView<ushort> weight, ArrayView<float>? bias, ArrayView<float> x, ArrayView<float> y,
                       int m, int n, int k)
    {
        ViewChecks.Positive(m, nameof(m));
        ViewChecks.Positive(n, nameof(n));
        ViewChecks.Positive(k, nameof(k));
        ViewChecks.Require(weight, (long)n * k, nameof(weight), $"[{n}][{k}]");
        ViewChecks.Require(x, (long)m * k, nameof(x), $"[{m}][{k}]");
        ViewChecks.Require(y, (long)m * n, nameof(y), $"[{m}][{n}]");
        if (bias is { } b) ViewChecks.Require(b, n, nameof(bias), $"[{n}]");
        // Without a bias the kernel is handed y as a placeholder it never reads.
        _kernel(stream, _shape.Groups(n), weight, bias ?? y, x, y, bias is null ? 0 : 1, m, n, k);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<ushort> weight, ArrayView<float> bias, ArrayView<float> x, ArrayView<float> y, int hasBias,
                                int m, int n, int k)
    {
        int row = Grid.IdxX;
        long w = (long)row * k;
        for (int t = 0; t < m; t++)
        {
            long xt = (long)t * k;
            float sum = 0f;
            for (int i = Group.IdxX; i < k; i += Group.DimX) sum += HalfBits.ToFloat(weight[w + i]) * x[xt + i];
            float total = GroupExtensions.AllReduce<float, AddFloat>(sum);
            if (Group.IdxX == 0) y[(long)t * n + row] = hasBias != 0 ? total + bias[row] : total;
        }
    }
}
