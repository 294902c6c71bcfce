using NativeInfer.Gpu.Kernels;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// The exact exp used by the kernels (instead of ILGPU's, which is PTX ex2.approx on a GPU) against float64
/// Math.Exp. Run on the host: it is plain C# the kernels call, and the kernel tests cover it on the CPU accelerator.
/// </summary>
[Category("GpuEmulated")]
public class DeviceMathTests
{
    private static double UlpsOff(float got, double want)
    {
        float rounded = (float)want;
        if (got == rounded) return 0;
        double ulp = Math.Max(Math.Abs(MathF.BitIncrement(rounded) - rounded), float.Epsilon);
        return Math.Abs(got - want) / ulp;
    }

    [Test]
    public void Exp_IsWithinTwoUlpOfFloat64Everywhere()
    {
        var random = new Random(11);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < 400_000; i++)
        {
            float x = i < 200_000 ? (float)(random.NextDouble() * 200 - 105) : (float)(random.NextDouble() * 2 - 1);
            double off = UlpsOff(DeviceMath.Exp(x), Math.Exp(x));
            if (off > worst) (worst, worstAt) = (off, x);
        }
        TestContext.Out.WriteLine($"worst: {worst:F2} ulp at x = {worstAt:R}");
        Assert.That(worst, Is.LessThanOrEqualTo(2.0), $"at x = {worstAt:R}");
    }

    [Test]
    public void Exp_SpecialValues()
    {
        Assert.That(DeviceMath.Exp(0f), Is.EqualTo(1f));
        Assert.That(DeviceMath.Exp(float.NegativeInfinity), Is.EqualTo(0f));
        Assert.That(DeviceMath.Exp(float.PositiveInfinity), Is.EqualTo(float.PositiveInfinity));
        Assert.That(float.IsNaN(DeviceMath.Exp(float.NaN)));
        Assert.That(DeviceMath.Exp(89f), Is.EqualTo(float.PositiveInfinity));
        Assert.That(DeviceMath.Exp(-104f), Is.EqualTo(0f));
        Assert.That(UlpsOff(DeviceMath.Exp(-100f), Math.Exp(-100f)), Is.LessThanOrEqualTo(2.0), "subnormal result");
        Assert.That(UlpsOff(DeviceMath.Exp(88.7f), Math.Exp(88.7f)), Is.LessThanOrEqualTo(2.0), "near overflow");
    }
}
