using NativeInfer.Gpu.Kernels;
using NativeInfer.Operators;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>SiLU·mul, residual adds, f32 ↔ f16 and row copies on the CPU accelerator against the CPU operators and System.Half.</summary>
public class ElementwiseKernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    [Test]
    public unsafe void SiluMul_MatchesMlpOperatorWithinTwoUlp()
    {
        const int count = 777;  // not a multiple of any group size
        float[] g = Reference.Gaussian(1, count, 4f), u = Reference.Gaussian(2, count);
        g[0] = 0; g[1] = -90f; g[2] = 90f;  // e^−g overflows / underflows
        float[] expected = (float[])g.Clone();
        fixed (float* pe = expected, pu = u) MlpOperator.SiluMul(pe, pu, count);
        using var gate = Upload(g);
        using var up = Upload(u);
        Kernels.SiluMul.Launch(Stream, gate.View, up.View, count);
        float[] got = Download(gate);
        for (int i = 0; i < count; i++)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(4e-7f * Math.Abs(expected[i]) + 1e-30f), $"{ShapeName}: element {i} (g = {g[i]})");
    }

    [Test]
    public void ResidualAdd_AddsExactly()
    {
        const int count = 301;
        float[] y = Reference.Gaussian(3, count), x = Reference.Gaussian(4, count);
        using var yb = Upload(y);
        using var xb = Upload(x);
        Kernels.ResidualAdd.Launch(Stream, yb.View, xb.View, count);
        float[] got = Download(yb);
        for (int i = 0; i < count; i++) Assert.That(got[i], Is.EqualTo(y[i] + x[i]), $"element {i}");
    }

    [Test]
    public void ResidualAddScaled_SigmoidGatePerRow_MatchesSparseMoeOperatorsArithmetic()
    {
        const int rows = 3, width = 37;
        float[] y = Reference.Gaussian(5, rows * width), x = Reference.Gaussian(6, rows * width), gates = [-3f, 0.25f, 40f];
        using var yb = Upload(y);
        using var xb = Upload(x);
        using var gb = Upload(gates);
        Kernels.ResidualAdd.LaunchScaled(Stream, yb.View, xb.View, rows, width, gb.View, sigmoid: true);
        float[] got = Download(yb);
        for (int r = 0; r < rows; r++)
        {
            double s = 1 / (1 + Math.Exp(-gates[r]));
            for (int i = 0; i < width; i++)
                Assert.That(got[r * width + i], Is.EqualTo(y[r * width + i] + x[r * width + i] * s).Within(1e-6 * (Math.Abs(y[r * width + i]) + Math.Abs(x[r * width + i]))),
                    $"row {r}, element {i}");
        }
    }

    [Test]
    public void HalfConvert_RoundTripsLikeSystemHalf()
    {
        // Every f16 bit pattern back to f32, and f32 values around every f16 (ties, subnormals, overflow) to f16.
        var halves = new ushort[65536];
        for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)i;
        using var hb = Upload(halves);
        using var fb = Allocate<float>(halves.Length);
        Kernels.HalfConvert.ToFloat(Stream, hb.View, fb.View, halves.Length);
        float[] asFloat = Download(fb);
        for (int i = 0; i < halves.Length; i++)
        {
            float want = (float)BitConverter.UInt16BitsToHalf((ushort)i);
            if (float.IsNaN(want)) Assert.That(float.IsNaN(asFloat[i]), $"f16 0x{i:X4} is NaN");
            else Assert.That(BitConverter.SingleToUInt32Bits(asFloat[i]), Is.EqualTo(BitConverter.SingleToUInt32Bits(want)), $"f16 0x{i:X4}");
        }

        var probes = new List<float> { 65504f, 65519.99f, 65520f, 1e10f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f,
            float.Epsilon, 2.98e-8f, 2.9802322e-8f, 2.9802326e-8f, 5.96e-8f, 1e-45f };
        for (int k = 1; k < 200; k++) probes.Add(k * MathF.ScaleB(1, -25));  // subnormal f16 values and the ties between them
        var random = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            float f = asFloat[random.Next(65536)];
            if (!float.IsFinite(f)) continue;
            uint bits = BitConverter.SingleToUInt32Bits(f);
            // the f16 value itself, the exact midpoint to its neighbour (a tie), and one f32 ulp either side of it
            probes.Add(f);
            probes.Add(BitConverter.UInt32BitsToSingle(bits + 0x1000));
            probes.Add(BitConverter.UInt32BitsToSingle(bits + 0x0FFF));
            probes.Add(BitConverter.UInt32BitsToSingle(bits + 0x1001));
            probes.Add(f * (1 + (float)random.NextDouble() * 1e-3f));
        }
        float[] values = probes.ToArray();
        using var vb = Upload(values);
        using var outb = Allocate<ushort>(values.Length);
        Kernels.HalfConvert.ToHalf(Stream, vb.View, outb.View, values.Length);
        ushort[] got = Download(outb);
        for (int i = 0; i < values.Length; i++)
        {
            Half want = (Half)values[i];
            if (Half.IsNaN(want)) Assert.That(Half.IsNaN(BitConverter.UInt16BitsToHalf(got[i])), $"{values[i]} → NaN");
            else Assert.That(got[i], Is.EqualTo(BitConverter.HalfToUInt16Bits(want)), $"{values[i]:R} (0x{BitConverter.SingleToUInt32Bits(values[i]):X8})");
        }
    }

    [Test]
    public void RowCopy_CopiesStridedRowsAndNothingElse()
    {
        float[] src = Reference.Gaussian(8, 5 * 11);
        using var sb = Upload(src);
        using var db = Allocate<float>(5 * 13);
        Kernels.RowCopy.Launch(Stream, sb.View.SubView(2, src.Length - 2), 11, db.View.SubView(1, 5 * 13 - 1), 13, 5, 7);
        float[] got = Download(db);
        for (int r = 0; r < 5; r++)
            for (int i = 0; i < 13; i++)
                Assert.That(got[r * 13 + i], Is.EqualTo(i >= 1 && i < 8 ? src[2 + r * 11 + i - 1] : 0f), $"row {r}, column {i}");
    }

    [Test]
    public void Launchers_RejectViewsShorterThanTheShape()
    {
        using var small = Allocate<float>(10);
        Assert.Throws<ArgumentException>(() => Kernels.SiluMul.Launch(Stream, small.View, small.View, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.RmsNorm.Launch(Stream, small.View, small.View, small.View, 2, 5, 4, 1e-6f));
        var e = Assert.Throws<ArgumentException>(() => Kernels.RmsNorm.Launch(Stream, small.View, small.View, small.View, 3, 4, 4, 1e-6f));
        Assert.That(e!.Message, Does.Contain("x holds 10"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.ResidualAdd.Launch(Stream, small.View, small.View, 0));
    }
}
