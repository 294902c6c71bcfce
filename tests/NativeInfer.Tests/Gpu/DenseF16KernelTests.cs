using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>The F16-weight matvec / small GEMM against a float64 product of the same f16 weights.</summary>
public class DenseF16KernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    [TestCase(1, 16, 64, false)]    // a router gate: E × hidden, one token
    [TestCase(3, 1, 64, true)]      // Qwen2-MoE's shared-expert gate: one output, with a bias, a few tokens
    [TestCase(2, 24, 100, true)]
    public void Multiply_MatchesFloat64(int m, int n, int k, bool withBias)
    {
        float[] w32 = Reference.Gaussian(n * k, n * k, 0.2f), x = Reference.Gaussian(m + 40, m * k), bias = Reference.Gaussian(3, n);
        ushort[] w = w32.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        float[] wf = w.Select(h => (float)BitConverter.UInt16BitsToHalf(h)).ToArray();
        double[] expected = Reference.MatMul(wf, x, m, n, k);
        using var wb = Upload(w);
        using var xb = Upload(x);
        using var bb = Upload(bias);
        using var yb = Allocate<float>(m * n);
        Kernels.DenseF16.Launch(Stream, wb.View, withBias ? bb.View : null, xb.View, yb.View, m, n, k);
        float[] got = Download(yb);
        for (int t = 0; t < m; t++)
            for (int r = 0; r < n; r++)
            {
                double want = expected[t * n + r] + (withBias ? bias[r] : 0), scale = 0;
                for (int i = 0; i < k; i++) scale += Math.Abs(wf[r * k + i] * x[t * k + i]);
                Assert.That(got[t * n + r], Is.EqualTo(want).Within(k * 6e-8 * scale + 1e-6), $"{ShapeName}: token {t}, row {r}");
            }
    }
}
