using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>The F32-weight matvec / small GEMM (router gates, f32 linears) against a float64 product.</summary>
public class DenseF32KernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    [TestCase(1, 16, 64, false)]    // a router gate: E × hidden, one token
    [TestCase(3, 1, 64, true)]
    [TestCase(2, 24, 100, true)]
    public void Multiply_MatchesFloat64(int m, int n, int k, bool withBias)
    {
        float[] w = Reference.Gaussian(n * k, n * k, 0.2f), x = Reference.Gaussian(m + 40, m * k), bias = Reference.Gaussian(3, n);
        double[] expected = Reference.MatMul(w, x, m, n, k);
        using var wb = Upload(w);
        using var xb = Upload(x);
        using var bb = Upload(bias);
        using var yb = Allocate<float>(m * n);
        Kernels.DenseF32.Launch(Stream, wb.View, withBias ? bb.View : null, xb.View, yb.View, m, n, k);
        float[] got = Download(yb);
        for (int t = 0; t < m; t++)
            for (int r = 0; r < n; r++)
            {
                double want = expected[t * n + r] + (withBias ? bias[r] : 0), scale = 0;
                for (int i = 0; i < k; i++) scale += Math.Abs(w[r * k + i] * x[t * k + i]);
                Assert.That(got[t * n + r], Is.EqualTo(want).Within(k * 6e-8 * scale + 1e-6), $"{ShapeName}: token {t}, row {r}");
            }
    }
}
