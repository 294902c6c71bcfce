using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Kernels;

/// <summary>
/// Matmul and MoE through the interop against float64 on dequantized weights, on every ISA the CPU
/// runs. The tolerance is the worst-case effect of quantizing the activations
/// (<see cref="Reference.ActivationErrorBound"/>) plus float32 accumulation (2e-6 of Σ|w·x|).
/// </summary>
public class KernelAccuracyTests
{
    public static IEnumerable<NiIsa> Isas() => CpuInfo.Query().SupportedIsas;

    public static IEnumerable<TestCaseData> MatMulCases()
    {
        foreach (NiIsa isa in Isas())
        foreach (NiType type in QuantTypes.WeightTypes)
        foreach (var (n, m) in new[] { (1, 67), (4, 33), (19, 80) })
            yield return new TestCaseData(isa, type, n, m).SetName($"MatMul_{isa}_{type}_N{n}_M{m}_WithinActivationQuantizationBound");
    }

    [TestCaseSource(nameof(MatMulCases))]
    public void MatMul(NiIsa isa, NiType type, int n, int m)
    {
        int k = QuantTypes.BlockSize(type) == 256 ? 768 : 1408;
        using KernelPool pool = KernelPool.Create(2, isa);
        float[] x = Reference.Gaussian(2, n * k);
        byte[] w = new byte[m * QuantTypes.RowSize(type, k)];
        float[] wd = new float[m * k], y = new float[n * m];
        RandomWeights.Fill(pool, type, w, m, k, new Random(1), 0.04f);  // read-only types: random valid blocks
        pool.Dequantize(type, w, wd, m, k);
        pool.MatMul(type, w, x, y, n, m, k);

        double[] exact = Reference.MatMul(wd, x, n, m, k);
        double[] xb = Reference.ActivationErrorBound(QuantTypes.ActivationType(type), x);
        for (int t = 0; t < n; t++)
        for (int r = 0; r < m; r++)
        {
            double bound = 0, abs = 0;
            for (int i = 0; i < k; i++)
            {
                bound += Math.Abs(wd[r * k + i]) * xb[t * k + i];
                abs += Math.Abs(wd[r * k + i] * x[t * k + i]);
            }
            Assert.That(y[t * m + r], Is.EqualTo(exact[t * m + r]).Within(bound + 2e-6 * abs), $"y[{t}][{r}]");
        }
    }

    [TestCaseSource(nameof(Isas))]
    public unsafe void MoeExperts_MatchesPerTokenMatMulComposition(NiIsa isa)
    {
        const int experts = 6, hidden = 256, ffn = 352, tokens = 5, topK = 3;
        const NiType type = NiType.Q4_0;
        using KernelPool pool = KernelPool.Create(2, isa);
        long row = QuantTypes.RowSize(type, hidden), downRow = QuantTypes.RowSize(type, ffn);
        byte[] gate = new byte[experts * ffn * row], up = new byte[experts * ffn * row], down = new byte[experts * hidden * downRow];
        pool.Quantize(type, Reference.Gaussian(3, experts * ffn * hidden, 0.06f), gate, experts * ffn, hidden);
        pool.Quantize(type, Reference.Gaussian(4, experts * ffn * hidden, 0.06f), up, experts * ffn, hidden);
        pool.Quantize(type, Reference.Gaussian(5, experts * hidden * ffn, 0.05f), down, experts * hidden, ffn);
        float[] x = Reference.Gaussian(6, tokens * hidden);
        int[] ids = [0, 3, 5, 1, 2, 3, 4, 0, 1, 5, 5, 2, 3, 4, 2];
        float[] weights = Enumerable.Range(0, tokens * topK).Select(i => 0.2f + 0.1f * (i % 5)).ToArray();
        float[] output = new float[tokens * hidden];

        fixed (byte* g = gate, u = up, d = down)
        {
            var moe = new NiMoeWeights { Gate = g, Up = u, Down = d, GateType = (int)type, UpType = (int)type, DownType = (int)type,
                NExperts = experts, Hidden = hidden, Ffn = ffn };
            pool.MoeExperts(moe, x, ids, weights, output, tokens, topK);
        }

        // The same layer one (token, expert) pair at a time through MatMul (checked above), silu in float64.
        var gOut = new float[ffn]; var uOut = new float[ffn]; var h = new float[ffn]; var yOut = new float[hidden];
        for (int t = 0; t < tokens; t++)
        {
            var expected = new double[hidden];
            for (int j = 0; j < topK; j++)
            {
                int e = ids[t * topK + j];
                pool.MatMul(type, gate.AsSpan((int)(e * ffn * row), (int)(ffn * row)), x.AsSpan(t * hidden, hidden), gOut, 1, ffn, hidden);
                pool.MatMul(type, up.AsSpan((int)(e * ffn * row), (int)(ffn * row)), x.AsSpan(t * hidden, hidden), uOut, 1, ffn, hidden);
                for (int f = 0; f < ffn; f++) h[f] = (float)(gOut[f] / (1 + Math.Exp(-gOut[f])) * uOut[f]);
                pool.MatMul(type, down.AsSpan((int)(e * hidden * downRow), (int)(hidden * downRow)), h, yOut, 1, hidden, ffn);
                for (int o = 0; o < hidden; o++) expected[o] += weights[t * topK + j] * yOut[o];
            }
            double norm = Math.Sqrt(expected.Sum(v => v * v) / hidden);
            for (int o = 0; o < hidden; o++)
                Assert.That(output[t * hidden + o], Is.EqualTo(expected[o]).Within(1e-3 * norm + 1e-6), $"out[{t}][{o}]");
        }
    }

    [TestCaseSource(nameof(Isas))]
    public void QuantizeDequantize_Q8_0_RoundTripsWithinHalfAStep(NiIsa isa)
    {
        using KernelPool pool = KernelPool.Create(1, isa);
        float[] x = Reference.Gaussian(9, 4 * 256);
        byte[] q = new byte[4 * QuantTypes.RowSize(NiType.Q8_0, 256)];
        float[] back = new float[x.Length];
        pool.Quantize(NiType.Q8_0, x, q, 4, 256);
        pool.Dequantize(NiType.Q8_0, q, back, 4, 256);
        for (int b = 0; b < x.Length / 32; b++)
        {
            float amax = x.AsSpan(b * 32, 32).ToArray().Max(Math.Abs);
            for (int i = b * 32; i < b * 32 + 32; i++) Assert.That(back[i], Is.EqualTo(x[i]).Within(0.57 * amax / 127));
        }
    }
}
