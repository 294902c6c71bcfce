using NativeInfer.Cuda;
using NativeInfer.Interop;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cuda;

/// <summary>
/// The int4 GEMM on a GPU through <see cref="MarlinInt4Matrix"/> against a float64 product of the unpacked
/// weights. Ignored, with the reason, where there is no usable device.
/// </summary>
[Category("GPU")]
public class MarlinGpuTests
{
    private static CudaDevice RequireDevice()
    {
        CudaRequirement.Library();
        CudaAvailability a = CudaDevice.Availability;
        if (!a.IsAvailable) Assert.Ignore($"no CUDA device: {a.Reason}");
        CudaDevice? device = CudaDevice.All.FirstOrDefault(d => d.SupportsMarlin);
        if (device is null) Assert.Ignore("no CUDA device with compute capability 8.0+ (the int4 GEMM needs sm_80)");
        return device!;
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(33)]
    [TestCase(100)]
    public void Multiply_Q4_0_MatchesFloat64Reference(int m)
    {
        CudaDevice device = RequireDevice();
        const int n = 1408, k = 2048;
        float[] w = NativeInfer.Tests.Support.Reference.Gaussian(1, n * k, 0.05f);
        using var pool = NativeInfer.Kernels.KernelPool.Create(0);
        var q4 = new byte[n * MarlinLayout.RowBytes(NiType.Q4_0, k)];
        pool.Quantize(NiType.Q4_0, w, q4, n, k);
        using MarlinInt4Matrix matrix = MarlinInt4Matrix.Upload(device, NiType.Q4_0, q4, n, k);

        float[] x = NativeInfer.Tests.Support.Reference.Gaussian(2, m * k);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(Half)x[i];  // what the GPU sees
        var y = new float[m * n];
        matrix.Multiply(x, y, m);

        // Reference: the same q and d (dequantized by the CPU library), float64 sums.
        var dense = new float[n * k];
        pool.Dequantize(NiType.Q4_0, q4, dense, n, k);
        double[] reference = NativeInfer.Tests.Support.Reference.MatMul(dense, x, m, n, k);
        double num = 0, den = 0;
        for (int i = 0; i < y.Length; i++)
        {
            num += Math.Abs(y[i] - reference[i]);
            den += Math.Abs(reference[i]);
        }
        TestContext.Out.WriteLine($"{device}: M={m}, mean|Δ|/mean|ref| = {num / den:E2}");
        Assert.That(num / den, Is.LessThan(1e-3));
    }
}
