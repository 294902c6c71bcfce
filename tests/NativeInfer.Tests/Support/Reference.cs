using NativeInfer.Interop;

namespace NativeInfer.Tests.Support;

/// <summary>Independent references for kernel tests: float64 products and random data.</summary>
public static class Reference
{
    public static float[] Gaussian(int seed, int count, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return values;
    }

    /// <summary>Y[n][m] = Σ_k W[m][k]·X[n][k] in float64.</summary>
    public static double[] MatMul(float[] w, float[] x, int n, int m, int k)
    {
        var y = new double[n * m];
        for (int t = 0; t < n; t++)
        for (int r = 0; r < m; r++)
        {
            double s = 0;
            for (int i = 0; i < k; i++) s += (double)w[r * k + i] * x[t * k + i];
            y[t * m + r] = s;
        }
        return y;
    }

    /// <summary>
    /// Worst-case |x − x̂| of quantizing activations to <paramref name="act"/>: Q8_0 rounds to steps of
    /// d = amax/127 (≤ d/2) and stores d as fp16 (|q|·|d − fp16(d)| ≤ 127·2⁻¹¹·d): 0.57·d; Q8_K keeps d
    /// in f32: 0.51·d; F16 2⁻¹¹·|x|; BF16 2⁻⁸·|x|.
    /// </summary>
    public static double[] ActivationErrorBound(NiType act, float[] x)
    {
        int block = act switch { NiType.Q8_0 or NiType.Q8_1 => 32, NiType.Q8_K => 256, _ => 1 };
        var bound = new double[x.Length];
        for (int start = 0; start < x.Length; start += block)
        {
            double amax = 0;
            for (int i = 0; i < block; i++) amax = Math.Max(amax, Math.Abs(x[start + i]));
            for (int i = 0; i < block; i++)
                bound[start + i] = act switch
                {
                    NiType.Q8_0 or NiType.Q8_1 => 0.57 * amax / 127,  // Q8_1 has Q8_0's values
                    NiType.Q8_K => 0.51 * amax / 127,
                    NiType.F16 => Math.Abs(x[start + i]) * Math.ScaleB(1, -11) + Math.ScaleB(1, -24),
                    NiType.BF16 => Math.Abs(x[start + i]) * Math.ScaleB(1, -8),
                    _ => 0,
                };
        }
        return bound;
    }
}
