using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Diagnostics;

/// <summary>One row of the self-check: a kernel on one ISA compared with a float64 computation.</summary>
public sealed record SelfCheckResult(NiIsa Isa, string Kernel, NiType Type, double ErrorToBound, bool Passed);

/// <summary>
/// A quick end-to-end check of the native kernels on this machine: for every ISA the CPU runs and
/// every weight type, a matmul against float64 on dequantized weights, within the worst-case error
/// of the activation quantization (same bound as native/tests/test_matmul.cpp), and one MoE layer.
/// It takes well under a second; the full suites are the tests.
/// </summary>
public static class KernelSelfCheck
{
    public static IReadOnlyList<SelfCheckResult> Run(int threads = 0)
    {
        var results = new List<SelfCheckResult>();
        var random = new Random(1234);
        foreach (NiIsa isa in CpuInfo.Query().SupportedIsas)
        {
            using KernelPool pool = KernelPool.Create(threads, isa);
            foreach (NiType type in QuantTypes.WeightTypes)
                results.Add(CheckMatMul(pool, type, random));
            results.Add(CheckMoe(pool, random));
        }
        return results;
    }

    private static SelfCheckResult CheckMatMul(KernelPool pool, NiType type, Random random)
    {
        const int n = 3, m = 37, k = 512;
        float[] x = Gaussian(random, n * k, 1f);
        byte[] w = new byte[m * QuantTypes.RowSize(type, k)];
        float[] wd = new float[m * k], y = new float[n * m];
        RandomWeights.Fill(pool, type, w, m, k, random, 0.05f);
        pool.Dequantize(type, w, wd, m, k);
        pool.MatMul(type, w, x, y, n, m, k);
        double[] xBound = ActivationErrorBound(QuantTypes.ActivationType(type), x);
        double worst = 0;
        for (int t = 0; t < n; t++)
        for (int r = 0; r < m; r++)
        {
            double exact = 0, abs = 0, bound = 0;
            for (int i = 0; i < k; i++)
            {
                double wv = wd[r * k + i];
                exact += wv * x[t * k + i];
                abs += Math.Abs(wv * x[t * k + i]);
                bound += Math.Abs(wv) * xBound[t * k + i];
            }
            worst = Math.Max(worst, Math.Abs(y[t * m + r] - exact) / (bound + 2e-6 * abs + 1e-30));
        }
        return new SelfCheckResult(pool.Isa, "matmul", type, worst, worst <= 1.0);
    }

    private static unsafe SelfCheckResult CheckMoe(KernelPool pool, Random random)
    {
        const int experts = 8, hidden = 256, ffn = 352, tokens = 3, topK = 2;
        const NiType type = NiType.Q8_0;
        long row = QuantTypes.RowSize(type, hidden), downRow = QuantTypes.RowSize(type, ffn);
        byte[] gate = new byte[experts * ffn * row], up = new byte[experts * ffn * row], down = new byte[experts * hidden * downRow];
        float[] gf = new float[experts * ffn * hidden], uf = new float[experts * ffn * hidden], df = new float[experts * hidden * ffn];
        pool.Quantize(type, Gaussian(random, gf.Length, 0.06f), gate, experts * ffn, hidden);
        pool.Quantize(type, Gaussian(random, uf.Length, 0.06f), up, experts * ffn, hidden);
        pool.Quantize(type, Gaussian(random, df.Length, 0.05f), down, experts * hidden, ffn);
        pool.Dequantize(type, gate, gf, experts * ffn, hidden);
        pool.Dequantize(type, up, uf, experts * ffn, hidden);
        pool.Dequantize(type, down, df, experts * hidden, ffn);
        float[] x = Gaussian(random, tokens * hidden, 1f), output = new float[tokens * hidden];
        int[] ids = [1, 5, 0, 7, 5, 2];
        float[] weights = [0.7f, 0.3f, 0.5f, 0.5f, 0.9f, 0.1f];
        fixed (byte* g = gate, u = up, d = down)
        {
            var moe = new NiMoeWeights { Gate = g, Up = u, Down = d, GateType = (int)type, UpType = (int)type, DownType = (int)type,
                NExperts = experts, Hidden = hidden, Ffn = ffn };
            pool.MoeExperts(moe, x, ids, weights, output, tokens, topK);
        }
        double err2 = 0, ref2 = 0;
        for (int t = 0; t < tokens; t++)
        {
            var acc = new double[hidden];
            for (int j = 0; j < topK; j++)
            {
                int e = ids[t * topK + j];
                var h = new double[ffn];
                for (int f = 0; f < ffn; f++)
                {
                    double gv = 0, uv = 0;
                    for (int i = 0; i < hidden; i++)
                    {
                        gv += gf[(e * ffn + f) * hidden + i] * (double)x[t * hidden + i];
                        uv += uf[(e * ffn + f) * hidden + i] * (double)x[t * hidden + i];
                    }
                    h[f] = gv / (1 + Math.Exp(-gv)) * uv;
                }
                for (int o = 0; o < hidden; o++)
                {
                    double s = 0;
                    for (int f = 0; f < ffn; f++) s += df[(e * hidden + o) * ffn + f] * h[f];
                    acc[o] += weights[t * topK + j] * s;
                }
            }
            for (int o = 0; o < hidden; o++)
            {
                err2 += Math.Pow(output[t * hidden + o] - acc[o], 2);
                ref2 += acc[o] * acc[o];
            }
        }
        // Two Q8_0 activation quantizations (x, then h): relative L2 error ≤ 1.25·(√2 + 1)·1.25% ≈ 3.8%.
        double relative = Math.Sqrt(err2 / ref2), bound = 0.038;
        return new SelfCheckResult(pool.Isa, "moe", type, relative / bound, relative <= bound);
    }

    /// <summary>Worst-case |x − x̂| per element of the activation quantization (see test_matmul.cpp).</summary>
    internal static double[] ActivationErrorBound(NiType act, float[] x)
    {
        int block = act switch { NiType.Q8_0 or NiType.Q8_1 => 32, NiType.Q8_K => 256, _ => 1 };
        var bound = new double[x.Length];
        for (int start = 0; start < x.Length; start += block)
        {
            double amax = 0;
            for (int i = 0; i < block; i++) amax = Math.Max(amax, Math.Abs(x[start + i]));
            for (int i = 0; i < block; i++)
            {
                double xi = Math.Abs(x[start + i]);
                bound[start + i] = act switch
                {
                    NiType.Q8_0 or NiType.Q8_1 => 0.57 * amax / 127,  // Q8_1 has Q8_0's values
                    NiType.Q8_K => 0.51 * amax / 127,
                    NiType.F16 => xi * Math.ScaleB(1, -11) + Math.ScaleB(1, -24),
                    NiType.BF16 => xi * Math.ScaleB(1, -8),
                    _ => 0,
                };
            }
        }
        return bound;
    }

    internal static float[] Gaussian(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return values;
    }
}
