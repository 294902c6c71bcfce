using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Tests.Operators;

namespace NativeInfer.Tests.Support;

/// <summary>
/// An independent float64 forward pass over a GGUF file, written from the formulas of the design doc
/// (§5) and the architectures' reference code, not from the runtime's operators: every weight is
/// dequantized (bit-exact, tested against the reference files) into doubles and every product, norm,
/// RoPE angle, softmax and routing decision (<see cref="RoutingReference"/>) is computed in float64 over
/// the whole sequence at once. MLA runs in its expanded form (K and V per head from the latent), GQA
/// with optional biases and per-head q/k norms, SiLU MLPs, routed and shared experts.
/// The config comes from the runtime's builders (tested against metadata separately); the tensors are
/// read by their llama.cpp names.
/// </summary>
public sealed class Float64Forward : IDisposable
{
    private readonly GgufFile _file;
    private readonly KernelPool _pool = KernelPool.Create(2);
    private readonly Dictionary<string, float[]> _cache = [];

    public Float64Forward(string path)
    {
        _file = GgufFile.Open(path);
        Config = new ModelConfigBuilders().Build(ModelSource.FromGguf(_file));
    }

    public ModelConfig Config { get; }

    public void Dispose()
    {
        _pool.Dispose();
        _file.Dispose();
    }

    /// <summary>
    /// Per position of the last <see cref="Run"/>, the smallest <see cref="RoutingReference.Margin"/> over its MoE layers:
    /// how close that position's routing came to a tie (∞ without MoE layers).
    /// </summary>
    public double[] RoutingMargins { get; private set; } = [];

    /// <summary>Logits [position][vocab] after each prefix of <paramref name="tokens"/> (causal attention over positions 0..t).</summary>
    public double[][] Run(IReadOnlyList<int> tokens)
    {
        ModelConfig c = Config;
        int n = tokens.Count, d = c.HiddenSize;
        RoutingMargins = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
        float[] embedding = Tensor("token_embd.weight");
        var x = new double[n][];
        for (int t = 0; t < n; t++) x[t] = embedding.AsSpan(tokens[t] * d, d).ToArray().Select(v => (double)v).ToArray();

        for (int layer = 0; layer < c.NumLayers; layer++)
        {
            string b = $"blk.{layer}.";
            double[][] h = x.Select(v => RmsNorm(v, Tensor(b + "attn_norm.weight"), c.NormEps)).ToArray();
            double[][] a = c.Attention.Kind == AttentionKind.MultiHeadLatent ? LatentAttention(h, b) : GroupedQueryAttention(h, b);
            for (int t = 0; t < n; t++) Add(x[t], a[t]);
            h = x.Select(v => RmsNorm(v, Tensor(b + "ffn_norm.weight"), c.NormEps)).ToArray();
            for (int t = 0; t < n; t++) Add(x[t], c.IsMoeLayer(layer) ? Moe(h[t], b, t) : Mlp(h[t], b + "ffn_gate", b + "ffn_up", b + "ffn_down"));
        }

        float[] head = Has("output.weight") ? Tensor("output.weight") : embedding;
        return x.Select(v => MatVec(head, RmsNorm(v, Tensor("output_norm.weight"), c.NormEps), c.VocabSize)).ToArray();
    }

    // ------------------------------------------------------------------ attention

    private double[][] LatentAttention(double[][] x, string b)
    {
        AttentionConfig a = Config.Attention;
        int n = x.Length, heads = a.NumHeads, dn = a.QkNopeHeadDim, dr = a.QkRopeHeadDim, dv = a.VHeadDim, r = a.KvLoraRank, qw = dn + dr;
        if (!Has(b + "attn_kv_b.weight")) throw new NotSupportedException("the float64 reference reads kv_b as attn_kv_b only");
        float[] kvb = Tensor(b + "attn_kv_b.weight");  // [H·(dn+dv)][r]
        var q = new double[n][];
        var c = new double[n][];
        var kpe = new double[n][];
        for (int t = 0; t < n; t++)
        {
            q[t] = a.QLoraRank is int qr
                ? MatVec(Tensor(b + "attn_q_b.weight"), RmsNorm(MatVec(Tensor(b + "attn_q_a.weight"), x[t], qr), Tensor(b + "attn_q_a_norm.weight"), Config.NormEps), heads * qw)
                : MatVec(Tensor(b + "attn_q.weight"), x[t], heads * qw);
            double[] kva = MatVec(Tensor(b + "attn_kv_a_mqa.weight"), x[t], r + dr);
            c[t] = RmsNorm(kva[..r], Tensor(b + "attn_kv_a_norm.weight"), Config.NormEps);
            kpe[t] = kva[r..];
            Rope(kpe[t], 0, t);
            for (int h = 0; h < heads; h++) Rope(q[t], h * qw + dn, t);
        }
        double m = YarnAttentionFactor();
        double scale = m * m / Math.Sqrt(qw);
        var o = new double[n][];
        for (int t = 0; t < n; t++) o[t] = new double[heads * dv];
        for (int h = 0; h < heads; h++)
        {
            // K and V of head h for every position, expanded from the latent.
            var kn = new double[n][];
            var v = new double[n][];
            for (int tau = 0; tau < n; tau++)
            {
                kn[tau] = new double[dn];
                v[tau] = new double[dv];
                for (int i = 0; i < dn; i++) kn[tau][i] = Dot(kvb, (h * (dn + dv) + i) * r, c[tau]);
                for (int i = 0; i < dv; i++) v[tau][i] = Dot(kvb, (h * (dn + dv) + dn + i) * r, c[tau]);
            }
            for (int t = 0; t < n; t++)
            {
                var s = new double[t + 1];
                for (int tau = 0; tau <= t; tau++)
                {
                    double dot = 0;
                    for (int i = 0; i < dn; i++) dot += q[t][h * qw + i] * kn[tau][i];
                    for (int i = 0; i < dr; i++) dot += q[t][h * qw + dn + i] * kpe[tau][i];
                    s[tau] = scale * dot;
                }
                Softmax(s);
                for (int tau = 0; tau <= t; tau++)
                    for (int i = 0; i < dv; i++) o[t][h * dv + i] += s[tau] * v[tau][i];
            }
        }
        return o.Select(v => MatVec(Tensor(b + "attn_output.weight"), v, Config.HiddenSize)).ToArray();
    }

    private double[][] GroupedQueryAttention(double[][] x, string b)
    {
        AttentionConfig a = Config.Attention;
        int n = x.Length, heads = a.NumHeads, kvHeads = a.NumKvHeads, hd = a.HeadDim, vd = a.ValueHeadDim;
        var q = new double[n][];
        var k = new double[n][];
        var v = new double[n][];
        for (int t = 0; t < n; t++)
        {
            q[t] = Linear(b + "attn_q", x[t], heads * hd);
            k[t] = Linear(b + "attn_k", x[t], kvHeads * hd);
            v[t] = Linear(b + "attn_v", x[t], kvHeads * vd);
            if (a.QkNorm)
            {
                for (int h = 0; h < heads; h++) RmsNormInPlace(q[t].AsSpan(h * hd, hd), Tensor(b + "attn_q_norm.weight"), Config.NormEps);
                for (int h = 0; h < kvHeads; h++) RmsNormInPlace(k[t].AsSpan(h * hd, hd), Tensor(b + "attn_k_norm.weight"), Config.NormEps);
            }
            for (int h = 0; h < heads; h++) Rope(q[t], h * hd, t);
            for (int h = 0; h < kvHeads; h++) Rope(k[t], h * hd, t);
        }
        double scale = 1 / Math.Sqrt(hd);
        var o = new double[n][];
        for (int t = 0; t < n; t++)
        {
            o[t] = new double[heads * vd];
            for (int h = 0; h < heads; h++)
            {
                int g = h / (heads / kvHeads);
                var s = new double[t + 1];
                for (int tau = 0; tau <= t; tau++)
                {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[tau][g * hd + i];
                    s[tau] = scale * dot;
                }
                Softmax(s);
                for (int tau = 0; tau <= t; tau++)
                    for (int i = 0; i < vd; i++) o[t][h * vd + i] += s[tau] * v[tau][g * vd + i];
            }
        }
        return o.Select(v => MatVec(Tensor(b + "attn_output.weight"), v, Config.HiddenSize)).ToArray();
    }

    /// <summary>Rotates the rope dims of the vector at <paramref name="offset"/> to position <paramref name="p"/> (YaRN per the design doc).</summary>
    private void Rope(double[] v, int offset, int p)
    {
        RopeConfig r = Config.Rope;
        int dims = r.Dimensions, pairs = dims / 2;
        double mscale = 1, low = 0, high = 0;
        bool yarn = r.Scaling is { Type: RopeScalingType.Yarn } && r.Scaling.Factor > 1;
        if (yarn)
        {
            RopeScaling y = r.Scaling!;
            double Correction(double rotations) => dims * Math.Log(y.OriginalContextLength / (rotations * 2 * Math.PI)) / (2 * Math.Log(r.Base));
            low = Math.Max(0, Math.Floor(Correction(y.BetaFast)));
            high = Math.Min(dims - 1, Math.Ceiling(Correction(y.BetaSlow)));
            mscale = MScale(y.Factor, y.MScale) / MScale(y.Factor, y.MScaleAllDim);
        }
        for (int i = 0; i < pairs; i++)
        {
            double freq = Math.Pow(r.Base, -2.0 * i / dims);
            if (r.Scaling is { Factor: > 1 } s)
            {
                double extrapolated = yarn ? 1 - Math.Min(1, Math.Max(0, (i - low) / Math.Max(0.001, high - low))) : 0;
                freq = freq / s.Factor * (1 - extrapolated) + freq * extrapolated;
            }
            double angle = p * freq, cos = Math.Cos(angle) * mscale, sin = Math.Sin(angle) * mscale;
            int ia = offset + (r.Style == RopeStyle.Neox ? i : 2 * i), ib = offset + (r.Style == RopeStyle.Neox ? i + pairs : 2 * i + 1);
            (v[ia], v[ib]) = (v[ia] * cos - v[ib] * sin, v[ia] * sin + v[ib] * cos);
        }
    }

    private static double MScale(double factor, double m) => factor <= 1 || m == 0 ? 1 : 0.1 * m * Math.Log(factor) + 1;

    private double YarnAttentionFactor() =>
        Config.Rope.Scaling is { Type: RopeScalingType.Yarn } y ? MScale(y.Factor, y.MScaleAllDim) : 1;

    // ------------------------------------------------------------------ feed-forward

    private double[] Mlp(double[] x, string gate, string up, string down)
    {
        float[] wg = Tensor(gate + ".weight"), wu = Tensor(up + ".weight"), wd = Tensor(down + ".weight");
        int width = wg.Length / x.Length;
        var h = new double[width];
        for (int f = 0; f < width; f++)
        {
            double g = Dot(wg, f * x.Length, x), u = Dot(wu, f * x.Length, x);
            h[f] = g / (1 + Math.Exp(-g)) * u;
        }
        return MatVec(wd, h, x.Length);
    }

    private double[] Moe(double[] x, string b, int position)
    {
        MoeConfig moe = Config.Moe!;
        int e = moe.NumExperts, d = x.Length, ffn = moe.ExpertIntermediateSize;
        float[] logits = MatVec(Tensor(b + "ffn_gate_inp.weight"), x, e).Select(v => (float)v).ToArray();
        float[] bias = moe.SelectionBias ? Tensor(b + "exp_probs_b.bias").Select(v => (float)v).ToArray() : [];
        var (ids, weights) = RoutingReference.Route(moe, logits, bias);
        RoutingMargins[position] = Math.Min(RoutingMargins[position], RoutingReference.Margin(moe, logits, bias));
        float[] wg = Tensor(b + "ffn_gate_exps.weight"), wu = Tensor(b + "ffn_up_exps.weight"), wd = Tensor(b + "ffn_down_exps.weight");
        var y = new double[d];
        for (int j = 0; j < ids.Length; j++)
        {
            var h = new double[ffn];
            long gOffset = (long)ids[j] * ffn * d;
            for (int f = 0; f < ffn; f++)
            {
                double g = Dot(wg, gOffset + (long)f * d, x), u = Dot(wu, gOffset + (long)f * d, x);
                h[f] = g / (1 + Math.Exp(-g)) * u;
            }
            long dOffset = (long)ids[j] * d * ffn;
            for (int o = 0; o < d; o++) y[o] += weights[j] * Dot(wd, dOffset + (long)o * ffn, h);
        }
        if (moe.NumSharedExperts > 0)
        {
            double[] shared = Mlp(x, b + "ffn_gate_shexp", b + "ffn_up_shexp", b + "ffn_down_shexp");
            double gate = moe.SharedGate == SharedExpertGate.Sigmoid ? 1 / (1 + Math.Exp(-Dot(Tensor(b + "ffn_gate_inp_shexp.weight"), 0, x))) : 1;
            for (int o = 0; o < d; o++) y[o] += gate * shared[o];
        }
        return y;
    }

    // ------------------------------------------------------------------ arithmetic

    private double[] Linear(string name, double[] x, int outputs)
    {
        double[] y = MatVec(Tensor(name + ".weight"), x, outputs);
        if (Has(name + ".bias"))
        {
            float[] bias = Tensor(name + ".bias");
            for (int i = 0; i < y.Length; i++) y[i] += bias[i];
        }
        return y;
    }

    private static double[] MatVec(float[] w, double[] x, int rows)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++) y[r] = Dot(w, (long)r * x.Length, x);
        return y;
    }

    private static double Dot(float[] w, long offset, double[] x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += w[offset + i] * x[i];
        return s;
    }

    private static void Add(double[] y, double[] x)
    {
        for (int i = 0; i < y.Length; i++) y[i] += x[i];
    }

    private static double[] RmsNorm(double[] x, float[] w, double eps)
    {
        double[] y = (double[])x.Clone();
        RmsNormInPlace(y, w, eps);
        return y;
    }

    private static void RmsNormInPlace(Span<double> x, float[] w, double eps)
    {
        double sum = 0;
        foreach (double v in x) sum += v * v;
        double scale = 1 / Math.Sqrt(sum / x.Length + eps);
        for (int i = 0; i < x.Length; i++) x[i] *= scale * w[i];
    }

    private static void Softmax(double[] s)
    {
        double max = s.Max(), sum = 0;
        for (int i = 0; i < s.Length; i++) sum += s[i] = Math.Exp(s[i] - max);
        for (int i = 0; i < s.Length; i++) s[i] /= sum;
    }

    // ------------------------------------------------------------------ weights

    private bool Has(string name) => _file.TryGetTensor(name, out _);

    /// <summary>A tensor's values in file order (ne[0] fastest), dequantized exactly (kept as float32, which holds them exactly).</summary>
    private float[] Tensor(string name)
    {
        if (_cache.TryGetValue(name, out float[]? cached)) return cached;
        GgufTensor t = _file.GetTensor(name);
        long cols = t.Dimensions[0], rows = t.ElementCount / cols;
        var values = new float[t.ElementCount];
        _pool.Dequantize((NiType)(int)t.Type, t.AsSpan<byte>(), values, rows, cols);
        return _cache[name] = values;
    }
}
