using System.Text.RegularExpressions;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Models.Checking;
using NativeInfer.Models.Synthetic;
using NativeInfer.Operators;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tests.Operators;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Runtime;

/// <summary>
/// A tiny DeepSeek-V2 model whose routed experts are i-quants — the formats the DeepSeek-V3/R1 GGUF
/// downloads use, every one of the seven — written with GgufWriter from a synthetic F32 model: each
/// expert tensor becomes random valid blocks (RandomWeights) with the F32 tensor's RMS, and a twin file
/// holds the same experts dequantized to F32. The model check accepts it and counts its bytes, `inspect`
/// lists the types, it loads and runs on the native MoE kernel, each MoE layer's output equals a float64
/// computation on the dequantized weights within the rounding of the activations the kernels quantize
/// (Q8_K), and the logits follow the F32 twin's.
/// </summary>
[NonParallelizable]
public class IQuantExpertModelTests
{
    private static readonly Regex ExpertTensor = new(@"^blk\.(\d+)\.ffn_(gate|up|down)_exps\.weight$");

    // Expert tensor types by (MoE layer, projection): all seven formats, in several roles.
    private static readonly GgmlType[][] LayerTypes =
    [
        [GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S],
        [GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ1_S],
        [GgmlType.IQ1_M, GgmlType.IQ1_S, GgmlType.IQ3_XXS],
    ];

    private static readonly int[] Prompt = [5, 17, 300, 42, 99, 7, 250, 3];

    private string _dir = "", _iquant = "", _twin = "";

    [OneTimeSetUp]
    public void WriteModels()
    {
        _dir = Directory.CreateTempSubdirectory("ni-iquant-").FullName;
        string f32 = Path.Combine(_dir, "f32.gguf");
        _iquant = Path.Combine(_dir, "iquant-experts.gguf");
        _twin = Path.Combine(_dir, "dequantized-experts.gguf");
        var spec = DeepseekV2SyntheticSpec.Tiny(512) with { Layers = 1 + LayerTypes.Length };
        SyntheticModelWriter.Write(spec.WithAllTypes(GgmlType.F32), f32);

        using GgufFile source = GgufFile.Open(f32);
        using KernelPool pool = KernelPool.Create(2);
        var random = new Random(11);
        GgufWriter iquant = new(), twin = new();
        foreach (GgufMetadataEntry entry in source.Metadata)
        {
            iquant.Add(entry);
            twin.Add(entry);
        }
        foreach (GgufTensor tensor in source.Tensors)
        {
            Match m = ExpertTensor.Match(tensor.Name);
            if (!m.Success)
            {
                iquant.AddTensor(tensor);
                twin.AddTensor(tensor);
                continue;
            }
            int moeLayer = int.Parse(m.Groups[1].Value) - spec.LeadingDenseBlocks;
            GgmlType type = LayerTypes[moeLayer][m.Groups[2].Value switch { "gate" => 0, "up" => 1, _ => 2 }];
            long cols = tensor.Ne(0), rows = tensor.ElementCount / cols;
            double sum2 = 0;
            foreach (float v in tensor.AsSpan<float>()) sum2 += (double)v * v;
            var bytes = new byte[type.ByteSize(tensor.ElementCount)];
            RandomWeights.Fill(pool, (NiType)(int)type, bytes, rows, cols, random, (float)Math.Sqrt(sum2 / tensor.ElementCount));
            var values = new float[tensor.ElementCount];
            pool.Dequantize((NiType)(int)type, bytes, values, rows, cols);
            long[] dims = tensor.Dimensions.ToArray();
            iquant.AddTensor(tensor.Name, type, dims, bytes);
            twin.AddTensor(tensor.Name, GgmlType.F32, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        iquant.WriteTo(_iquant);
        twin.WriteTo(_twin);
    }

    [OneTimeTearDown]
    public void DeleteModels()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public void ModelCheck_AcceptsTheIQuantExperts_AndCountsTheirBytes()
    {
        ModelCheckReport report = ModelCheck.Run(_iquant, new ModelCheckOptions());
        Assert.That(report.Passed, Is.True, report.FailureReason);
        using GgufFile file = GgufFile.Open(_iquant);
        foreach (GgmlType type in LayerTypes.SelectMany(t => t).Distinct())
        {
            GgufTensor[] tensors = file.Tensors.Where(t => t.Type == type).ToArray();
            WeightTypeUsage usage = report.ByType.Single(u => u.TypeName == type.ToString());
            // Bytes from the block layout (ggml's 256-value blocks), not from the file's offsets.
            long expected = tensors.Sum(t => t.ElementCount / 256 * type.BlockBytes());
            Assert.That((usage.Tensors, usage.Bytes), Is.EqualTo((tensors.Length, expected)), type.Name());
        }
        // A decode step reads the routed experts in proportion top-k / experts, whatever their type.
        Assert.That(report.Decode.Bytes[WeightCategory.RoutedExperts], Is.GreaterThan(0));
    }

    [Test]
    public void Inspect_ListsTheIQuantTypes()
    {
        var (code, output, error) = Support.Cli.Run("inspect", _iquant);
        Assert.That(code, Is.EqualTo(0), error);
        foreach (GgmlType type in LayerTypes.SelectMany(t => t).Distinct())
            Assert.That(output, Does.Contain($"  {type.Name()} "), type.Name());
    }

    /// <summary>
    /// Each MoE layer on a batch of tokens against float64 on the dequantized experts (router and shared
    /// expert are F32 and computed exactly by both). The routed experts' kernels quantize x and then h to
    /// Q8_K, each element off by at most 0.51·amax/127 of its 256-value block (Reference.ActivationErrorBound);
    /// propagated per output: |Δg_f| ≤ Σ_i |G_fi|·b_i (and Δu alike), |Δh_f| ≤ 1.1·|Δg_f|·(|u_f| + |Δu_f|) +
    /// |silu(g_f)|·|Δu_f| (silu is 1.1-Lipschitz), |Δy_r| ≤ Σ_f |D_rf|·(|Δh_f| + 0.51·amax(|h| + |Δh|)/127),
    /// weighted by the routing weights; plus 1e-5 of the output's scale for float32 accumulation. And in the
    /// mean (relative L2 over the layer's outputs) within test_moe's statistical bound.
    /// </summary>
    [Test]
    public unsafe void MoeLayers_MatchFloat64OnTheDequantizedWeights()
    {
        using InferenceModel model = InferenceModel.Load(_iquant);
        using GgufFile twin = GgufFile.Open(_twin);
        var moe = model.Config.Moe!;
        int hidden = model.Config.HiddenSize, ffn = moe.ExpertIntermediateSize, sharedFfn = moe.SharedIntermediateSize, e = moe.NumExperts;
        const int n = 6;
        for (int layer = moe.LeadingDenseBlocks; layer < model.Config.NumLayers; layer++)
        {
            var op = (IFeedForwardOperator)model.Operators[$"model.layers.{layer}.mlp"];
            float[] x = Reference.Gaussian(20 + layer, n * hidden, 1f);
            float[] y = new float[n * hidden];
            using (var pool = KernelPool.Create(2))
            using (var scratch = new ScratchArena())
            using (var cache = new KvCache(model.Config, n, NiType.F32))
            {
                var ctx = new ForwardContext(pool, scratch, cache);
                ctx.Begin(0, n);
                fixed (float* px = x, py = y) op.Forward(ctx, px, n, py);
            }

            float[] T(string name)
            {
                GgufTensor t = twin.GetTensor($"blk.{layer}.{name}.weight");
                Assert.That(t.Type, Is.EqualTo(GgmlType.F32), name);
                return t.AsSpan<float>().ToArray();
            }
            float[] router = T("ffn_gate_inp"), gate = T("ffn_gate_exps"), up = T("ffn_up_exps"), down = T("ffn_down_exps");
            float[] sGate = T("ffn_gate_shexp"), sUp = T("ffn_up_shexp"), sDown = T("ffn_down_shexp");

            double worstUse = 0, err2 = 0, ref2 = 0;
            for (int t = 0; t < n; t++)
            {
                ReadOnlySpan<float> xt = x.AsSpan(t * hidden, hidden);
                var logits = new float[e];
                for (int j = 0; j < e; j++)
                {
                    double s = 0;
                    for (int i = 0; i < hidden; i++) s += (double)router[j * hidden + i] * xt[i];
                    logits[j] = (float)s;
                }
                var (ids, weights) = RoutingReference.Route(moe, logits);
                var (expected, _) = Ffn(sGate, sUp, sDown, 0, 0, sharedFfn, hidden, xt, null);
                var bound = new double[hidden];
                double[] xBound = Reference.ActivationErrorBound(NiType.Q8_K, xt.ToArray());
                for (int j = 0; j < ids.Length; j++)
                {
                    var (o, b) = Ffn(gate, up, down, (long)ids[j] * ffn * hidden, (long)ids[j] * hidden * ffn, ffn, hidden, xt, xBound);
                    for (int r = 0; r < hidden; r++)
                    {
                        expected[r] += weights[j] * o[r];
                        bound[r] += Math.Abs(weights[j]) * b![r];
                    }
                }
                double scale = expected.Max(Math.Abs);
                for (int r = 0; r < hidden; r++)
                {
                    double d = Math.Abs(y[t * hidden + r] - expected[r]), allowed = bound[r] + 1e-5 * scale;
                    worstUse = Math.Max(worstUse, d / allowed);
                    err2 += d * d;
                    ref2 += expected[r] * expected[r];
                    Assert.That(d, Is.LessThanOrEqualTo(allowed), $"layer {layer}, token {t}, output {r}: {y[t * hidden + r]} vs {expected[r]} (experts {string.Join(",", ids)})");
                }
            }
            // In the mean the rounding is far below the worst case: Q8_K's relative RMS round-trip error
            // e = 0.026 (native/tests/test_common.h) on x (through gate and up: √2·e) and on h, as test_moe.
            double relativeL2 = Math.Sqrt(err2 / ref2), l2Bound = 1.25 * (Math.Sqrt(2) * 0.026 + 0.026);
            TestContext.Out.WriteLine($"layer {layer} ({string.Join("/", LayerTypes[layer - moe.LeadingDenseBlocks].Select(ty => ty.Name()))}): " +
                                      $"worst |Δ| is {worstUse:P1} of the bound, relative L2 {relativeL2:0.0000} (bound {l2Bound:0.000})");
            Assert.That(relativeL2, Is.LessThanOrEqualTo(l2Bound), $"layer {layer}");
        }
    }

    // down(silu(gate·x) ⊙ up·x) in float64 for matrices stored [rows][cols] from an offset; with an
    // activation error bound xBound, also the propagated bound of quantizing x and h (see the test).
    private static (double[] Y, double[]? Bound) Ffn(float[] g, float[] u, float[] d, long gOffset, long dOffset, int width, int hidden,
                                                      ReadOnlySpan<float> x, double[]? xBound)
    {
        var h = new double[width];
        var hBound = new double[width];
        for (int f = 0; f < width; f++)
        {
            double a = 0, b = 0, da = 0, db = 0;
            for (int i = 0; i < hidden; i++)
            {
                float gw = g[gOffset + (long)f * hidden + i], uw = u[gOffset + (long)f * hidden + i];
                a += (double)gw * x[i];
                b += (double)uw * x[i];
                if (xBound is not null)
                {
                    da += Math.Abs(gw) * xBound[i];
                    db += Math.Abs(uw) * xBound[i];
                }
            }
            double silu = a / (1 + Math.Exp(-a));
            h[f] = silu * b;
            hBound[f] = 1.1 * da * (Math.Abs(b) + db) + Math.Abs(silu) * db;
        }
        double hStep = 0;
        if (xBound is not null)
        {
            double amax = 0;
            for (int f = 0; f < width; f++) amax = Math.Max(amax, Math.Abs(h[f]) + hBound[f]);
            hStep = 0.51 * amax / 127;
        }
        var y = new double[hidden];
        var yBound = xBound is null ? null : new double[hidden];
        for (int r = 0; r < hidden; r++)
            for (int f = 0; f < width; f++)
            {
                double dw = d[dOffset + (long)r * width + f];
                y[r] += dw * h[f];
                if (yBound is not null) yBound[r] += Math.Abs(dw) * (hBound[f] + hStep);
            }
        return (y, yBound);
    }

    /// <summary>
    /// The whole model against its F32 twin (the same experts, dequantized): only the Q8_K rounding of the
    /// experts' activations differs, so the logits agree to about 1 % (relative RMS, all positions; measured
    /// below 0.01, bound 0.03).
    /// </summary>
    [Test]
    public void Logits_FollowTheDequantizedTwin()
    {
        float[] Logits(string path)
        {
            using InferenceModel model = InferenceModel.Load(path);
            using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 16 });
            var logits = new float[Prompt.Length * model.Config.VocabSize];
            session.ForwardAll(Prompt, logits);
            return logits;
        }
        float[] iquant = Logits(_iquant), twin = Logits(_twin);
        Assert.That(iquant.All(float.IsFinite), Is.True);
        Assert.That(twin.Max() - twin.Min(), Is.GreaterThan(0.1f), "logits vary over the vocabulary");
        double err = 0, norm = 0;
        for (int i = 0; i < iquant.Length; i++)
        {
            err += Math.Pow(iquant[i] - twin[i], 2);
            norm += Math.Pow(twin[i], 2);
        }
        double relative = Math.Sqrt(err / norm);
        TestContext.Out.WriteLine($"relative RMS difference of the logits from the dequantized twin: {relative:0.00000}");
        Assert.That(relative, Is.LessThan(0.03));
    }
}
