using NativeInfer.Config;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// MLA (absorbed, over the latent cache) and GQA attention on the CPU accelerator against float64 computations.
/// The MLA reference is the expanded form — k_nope and v rebuilt per head from the cached latent, ordinary
/// attention — so the absorption (q·W_UK, scores over [c | k_pe], P·C, W_UV) is checked against the math it
/// rearranges. Decode (one token deep into the cache) and a chunk of tokens with the causal mask.
/// </summary>
public class AttentionKernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    private static float F16(ushort h) => (float)BitConverter.UInt16BitsToHalf(h);

    [TestCase(1, 6)]
    [TestCase(3, 2)]
    public void Mla_MatchesExpandedFloat64Attention(int tokens, int start)
    {
        var s = new MlaShape { Heads = 3, Nope = 16, Rope = 8, Value = 12, Rank = 32, CacheStride = 32 + 8 + 3 };
        int total = start + tokens, qw = s.Nope + s.Rope;
        const float scale = 0.13f;
        ushort[] kvB = Reference.Gaussian(5, s.Heads * (s.Nope + s.Value) * s.Rank, 0.2f).Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        float[] cache = Reference.Gaussian(6, total * (int)s.CacheStride);
        float[] q = Reference.Gaussian(7, tokens * s.Heads * qw);

        using var qb = Upload(q);
        using var wb = Upload(kvB);
        using var cb = Upload(cache);
        using var scratch = Allocate<float>(MlaAttention.ScratchFloats(s, tokens, total));
        using var ob = Allocate<float>(tokens * s.Heads * s.Value);
        Kernels.Mla.Launch(Stream, s, qb.View, wb.View, cb.View, tokens, start, scale, scratch.View, ob.View);
        float[] got = Download(ob);

        (double[] want, double[] magnitude) = MlaExpanded(s, q, kvB, cache, tokens, start, scale);
        for (int i = 0; i < want.Length; i++)
            Assert.That(got[i], Is.EqualTo(want[i]).Within(2e-5 * (magnitude[i] + 1)), $"{ShapeName}: output {i} (token, head, value)");
    }

    /// <summary>
    /// Expanded MLA in float64: per head, k_nope[τ] = W_UK c[τ] and v[τ] = W_UV c[τ] rebuilt from the latent,
    /// s = scale · (q_nope·k_nope + q_pe·k_pe), causal softmax, o = Σ p v. Returns o [tokens][H][d_v] and
    /// Σ p |v| per output (the scale of its rounding error).
    /// </summary>
    [TestCase(1, 6)]
    [TestCase(3, 0)]
    public void Mla_WithF32KvB_MatchesExpandedFloat64Attention(int tokens, int start)
    {
        var s = new MlaShape { Heads = 3, Nope = 16, Rope = 8, Value = 12, Rank = 32, CacheStride = 32 + 8 + 3 };
        int total = start + tokens, qw = s.Nope + s.Rope;
        const float scale = 0.13f;
        // f16-representable values, so the f32 kernel and the f16 reference multiply by the same weights.
        ushort[] kvB = Reference.Gaussian(8, s.Heads * (s.Nope + s.Value) * s.Rank, 0.2f).Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        float[] kv32 = kvB.Select(h => (float)BitConverter.UInt16BitsToHalf(h)).ToArray();
        float[] cache = Reference.Gaussian(9, total * (int)s.CacheStride);
        float[] q = Reference.Gaussian(10, tokens * s.Heads * qw);

        using var qb = Upload(q);
        using var wb = Upload(kv32);
        using var cb = Upload(cache);
        using var scratch = Allocate<float>(MlaAttention.ScratchFloats(s, tokens, total));
        using var ob = Allocate<float>(tokens * s.Heads * s.Value);
        Kernels.Mla.Launch(Stream, s, qb.View, wb.View, cb.View, tokens, start, scale, scratch.View, ob.View);
        float[] got = Download(ob);

        (double[] want, double[] magnitude) = MlaExpanded(s, q, kvB, cache, tokens, start, scale);
        for (int i = 0; i < want.Length; i++)
            Assert.That(got[i], Is.EqualTo(want[i]).Within(2e-5 * (magnitude[i] + 1)), $"{ShapeName}: output {i} (token, head, value)");
    }

    internal static (double[] Output, double[] Magnitude) MlaExpanded(MlaShape s, float[] q, ushort[] kvB, float[] cache, int tokens, int start, float scale)
    {
        int qw = s.Nope + s.Rope;
        long stride = s.CacheStride;
        double Uk(int h, int i, int j) => F16(kvB[((long)h * (s.Nope + s.Value) + i) * s.Rank + j]);
        double Uv(int h, int i, int j) => F16(kvB[((long)h * (s.Nope + s.Value) + s.Nope + i) * s.Rank + j]);
        var output = new double[tokens * s.Heads * s.Value];
        var magnitudes = new double[output.Length];
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < s.Heads; h++)
            {
                int visible = start + t + 1;
                var p = new double[visible];
                for (int tau = 0; tau < visible; tau++)
                {
                    double dot = 0;
                    for (int i = 0; i < s.Nope; i++)
                    {
                        double k = 0;
                        for (int j = 0; j < s.Rank; j++) k += Uk(h, i, j) * cache[tau * stride + j];
                        dot += q[(t * s.Heads + h) * qw + i] * k;
                    }
                    for (int i = 0; i < s.Rope; i++) dot += q[(t * s.Heads + h) * qw + s.Nope + i] * cache[tau * stride + s.Rank + i];
                    p[tau] = scale * dot;
                }
                Softmax(p);
                for (int i = 0; i < s.Value; i++)
                {
                    double o = 0, magnitude = 0;
                    for (int tau = 0; tau < visible; tau++)
                    {
                        double v = 0;
                        for (int j = 0; j < s.Rank; j++) v += Uv(h, i, j) * cache[tau * stride + j];
                        o += p[tau] * v;
                        magnitude += p[tau] * Math.Abs(v);
                    }
                    output[(t * s.Heads + h) * s.Value + i] = o;
                    magnitudes[(t * s.Heads + h) * s.Value + i] = magnitude;
                }
            }
        return (output, magnitudes);
    }

    [TestCase(1, 5, true)]
    [TestCase(3, 0, true)]
    [TestCase(2, 3, false)]
    public void Gqa_MatchesFloat64Attention_AndWritesTheCache(int tokens, int start, bool qkNorm)
    {
        var s = new GqaShape { Heads = 4, KvHeads = 2, HeadDim = 16, ValueDim = 16, CacheStride = 2 * 32 };
        int total = start + tokens, kw = s.KvHeads * s.HeadDim, vw = s.KvHeads * s.ValueDim;
        RopeTable table = RopeTable.Create(new RopeConfig { Base = 1_000_000f, Dimensions = 16, Style = RopeStyle.Neox }, 16);
        float[] q = Reference.Gaussian(11, tokens * s.Heads * s.HeadDim), k = Reference.Gaussian(12, tokens * kw), v = Reference.Gaussian(13, tokens * vw);
        float[] qn = Reference.Gaussian(14, s.HeadDim), kn = Reference.Gaussian(15, s.HeadDim);
        float[] cache = Reference.Gaussian(16, total * (int)s.CacheStride);
        for (int i = start * (int)s.CacheStride; i < cache.Length; i++) cache[i] = float.NaN;  // rows the pass must write

        using var qb = Upload(q);
        using var kb = Upload(k);
        using var vb = Upload(v);
        using var qnb = Upload(qn);
        using var knb = Upload(kn);
        using var cos = Upload(table.Cos);
        using var sin = Upload(table.Sin);
        using var cb = Upload(cache);
        using var scratch = Allocate<float>(GqaAttention.ScratchFloats(s, tokens, total));
        using var ob = Allocate<float>(tokens * s.Heads * s.ValueDim);
        GqaAttention.HeadNorms? norms = qkNorm ? new GqaAttention.HeadNorms(qnb.View, knb.View, 1e-6f) : null;
        Kernels.Gqa.Launch(Stream, s, qb.View, kb.View, vb.View, norms, table, cos.View, sin.View, cb.View, tokens, start, scratch.View, ob.View);
        float[] got = Download(ob), gotCache = Download(cb);

        // float64: norm, rotate, the cache rows, attention
        double[] qd = q.Select(x => (double)x).ToArray(), kd = k.Select(x => (double)x).ToArray();
        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < s.Heads; h++) Prepare(qd, (t * s.Heads + h) * s.HeadDim, qkNorm ? qn : null, table, start + t);
            for (int g = 0; g < s.KvHeads; g++) Prepare(kd, (t * s.KvHeads + g) * s.HeadDim, qkNorm ? kn : null, table, start + t);
        }
        var full = new double[total * s.CacheStride];
        for (int i = 0; i < start * s.CacheStride; i++) full[i] = cache[i];
        for (int t = 0; t < tokens; t++)
        {
            long row = (start + t) * s.CacheStride;
            for (int i = 0; i < kw; i++) full[row + i] = kd[t * kw + i];
            for (int i = 0; i < vw; i++) full[row + kw + i] = v[t * vw + i];
            for (int i = 0; i < kw + vw; i++)
                Assert.That(gotCache[row + i], Is.EqualTo(full[row + i]).Within(3e-6 * (1 + Math.Abs(full[row + i]))), $"cache row {start + t}, value {i}");
        }
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < s.Heads; h++)
            {
                int g = h / (s.Heads / s.KvHeads), visible = start + t + 1;
                var p = new double[visible];
                for (int tau = 0; tau < visible; tau++)
                {
                    double dot = 0;
                    for (int i = 0; i < s.HeadDim; i++) dot += qd[(t * s.Heads + h) * s.HeadDim + i] * full[tau * s.CacheStride + g * s.HeadDim + i];
                    p[tau] = dot / Math.Sqrt(s.HeadDim);
                }
                Softmax(p);
                for (int i = 0; i < s.ValueDim; i++)
                {
                    double o = 0;
                    for (int tau = 0; tau < visible; tau++) o += p[tau] * full[tau * s.CacheStride + kw + g * s.ValueDim + i];
                    Assert.That(got[(t * s.Heads + h) * s.ValueDim + i], Is.EqualTo(o).Within(2e-5), $"{ShapeName}: token {t}, head {h}, value {i}");
                }
            }
    }

    // RMSNorm (when weights are given) then NEOX rotation of one head at `offset`, in float64 with the table's factors.
    private static void Prepare(double[] x, int offset, float[]? norm, RopeTable table, int position)
    {
        int d = norm?.Length ?? 2 * table.Pairs;
        if (norm is not null)
        {
            double ss = 0;
            for (int i = 0; i < d; i++) ss += x[offset + i] * x[offset + i];
            double r = 1 / Math.Sqrt(ss / d + 1e-6);
            for (int i = 0; i < d; i++) x[offset + i] = x[offset + i] * r * norm[i];
        }
        for (int i = 0; i < table.Pairs; i++)
        {
            double c = table.Cos[position * table.Pairs + i], sn = table.Sin[position * table.Pairs + i];
            double a = x[offset + i], b = x[offset + i + table.Pairs];
            x[offset + i] = a * c - b * sn;
            x[offset + i + table.Pairs] = a * sn + b * c;
        }
    }

    internal static void Softmax(double[] s)
    {
        double max = s.Max(), sum = 0;
        for (int i = 0; i < s.Length; i++) sum += s[i] = Math.Exp(s[i] - max);
        for (int i = 0; i < s.Length; i++) s[i] /= sum;
    }
}
