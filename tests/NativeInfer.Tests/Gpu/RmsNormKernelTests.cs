using NativeInfer.Operators;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>The RMSNorm kernel against RmsNormOperator (f64 sum of squares on the CPU, f32 group sum here).</summary>
public class RmsNormKernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    // (rows, dim, stride): the hidden width of the tiny models, a per-head norm (many short rows), the latent
    // c inside [c | k_pe] rows (strided), a width that is no multiple of the group.
    [TestCase(3, 64, 64)]
    [TestCase(12, 16, 16)]
    [TestCase(2, 512, 576)]
    [TestCase(1, 100, 100)]
    public unsafe void RmsNorm_MatchesRmsNormOperator(int rows, int dim, int stride)
    {
        float[] x = Reference.Gaussian(rows * 100 + dim, rows * stride, 3f), w = Reference.Gaussian(9, dim);
        var expected = (float[])x.Clone();
        for (int r = 0; r < rows; r++)
            fixed (float* px = x, pe = expected, pw = w)
                RmsNormOperator.Apply(px + r * stride, 1, dim, 1e-6f, pw, pe + r * stride);

        using var xb = Upload(x);
        using var wb = Upload(w);
        using var yb = Upload(x);  // in place on a copy: the kernel's y == x path
        Kernels.RmsNorm.Launch(Stream, yb.View, wb.View, yb.View, rows, dim, stride, 1e-6f);
        float[] got = Download(yb);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < stride; i++)
            {
                int at = r * stride + i;
                if (i >= dim) Assert.That(got[at], Is.EqualTo(x[at]), $"row {r}, column {i} past dim must be untouched");
                else Assert.That(got[at], Is.EqualTo(expected[at]).Within(2e-6f * Math.Abs(expected[at]) + 1e-7f), $"{ShapeName}: row {r}, column {i}");
            }
    }
}
