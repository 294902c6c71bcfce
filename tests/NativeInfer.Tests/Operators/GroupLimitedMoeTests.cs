using NativeInfer.Config;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Operators;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Operators;

/// <summary>
/// Group-limited routing end to end: tiny-deepseek2-f32 rewritten with GgufWriter so its metadata sets
/// deepseek2.expert_group_count = 4 and expert_group_used_count = 2 (16 experts, top-4, routed scaling
/// 16). The config builder reads them, the model runs, and one MoE layer's output equals a float64
/// computation written out from the file's tensors and <see cref="RoutingReference"/>.
/// </summary>
[NonParallelizable]
public class GroupLimitedMoeTests
{
    private string _dir = "", _path = "";

    [OneTimeSetUp]
    public void WriteGroupedModel()
    {
        string source = RepoPaths.RequireTestData("models/tiny-deepseek2-f32.gguf");
        _dir = Directory.CreateTempSubdirectory("ni-grouped-").FullName;
        _path = Path.Combine(_dir, "tiny-deepseek2-grouped.gguf");
        using GgufFile file = GgufFile.Open(source);
        var writer = new GgufWriter();
        foreach (GgufMetadataEntry entry in file.Metadata) writer.Add(entry);
        writer.AddUInt32("deepseek2.expert_group_count", 4);
        writer.AddUInt32("deepseek2.expert_group_used_count", 2);
        foreach (GgufTensor tensor in file.Tensors) writer.AddTensor(tensor);
        writer.WriteTo(_path);
    }

    [OneTimeTearDown]
    public void DeleteGroupedModel()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public void Config_ReadsTheGroupKeys()
    {
        using InferenceModel model = InferenceModel.Load(_path);
        MoeConfig moe = model.Config.Moe!;
        Assert.That((moe.Routing, moe.NumGroups, moe.TopKGroups, moe.NumExperts, moe.ExpertsPerToken, moe.RoutedScalingFactor, moe.NormalizeTopKProbabilities),
            Is.EqualTo((RoutingMethod.GroupLimitedGreedy, 4, 2, 16, 4, 16f, false)));
    }

    [Test]
    public unsafe void MoeLayer_OutputEqualsTheDirectComputation()
    {
        using InferenceModel model = InferenceModel.Load(_path);
        MoeConfig moe = model.Config.Moe!;
        const int layer = 2, n = 12;
        int hidden = model.Config.HiddenSize, ffn = moe.ExpertIntermediateSize, sharedFfn = moe.SharedIntermediateSize, e = moe.NumExperts;
        var op = (IFeedForwardOperator)model.Operators[$"model.layers.{layer}.mlp"];

        float[] x = Reference.Gaussian(7, n * hidden, 1f);
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
            GgufTensor t = model.File.GetTensor($"blk.{layer}.{name}.weight");
            Assert.That(t.Type, Is.EqualTo(GgmlType.F32), name);
            return t.AsSpan<float>().ToArray();
        }
        float[] router = T("ffn_gate_inp"), gate = T("ffn_gate_exps"), up = T("ffn_up_exps"), down = T("ffn_down_exps");
        float[] sGate = T("ffn_gate_shexp"), sUp = T("ffn_up_shexp"), sDown = T("ffn_down_shexp");

        // down(silu(gate·x) ⊙ up·x) for matrices stored [rows][cols] from `offset`.
        static double[] Ffn(float[] g, float[] u, float[] d, long gOffset, long dOffset, int width, int hidden, ReadOnlySpan<float> x)
        {
            var h = new double[width];
            for (int f = 0; f < width; f++)
            {
                double a = 0, b = 0;
                for (int i = 0; i < hidden; i++)
                {
                    a += (double)g[gOffset + (long)f * hidden + i] * x[i];
                    b += (double)u[gOffset + (long)f * hidden + i] * x[i];
                }
                h[f] = a / (1 + Math.Exp(-a)) * b;
            }
            var o = new double[hidden];
            for (int r = 0; r < hidden; r++)
                for (int f = 0; f < width; f++) o[r] += d[dOffset + (long)r * width + f] * h[f];
            return o;
        }

        int differsFromGreedy = 0;
        double worst = 0;
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
            if (!RoutingReference.GreedyIds(moe, logits).SequenceEqual(ids)) differsFromGreedy++;
            double[] expected = Ffn(sGate, sUp, sDown, 0, 0, sharedFfn, hidden, xt);  // the shared expert, ungated
            for (int j = 0; j < ids.Length; j++)
            {
                double[] o = Ffn(gate, up, down, (long)ids[j] * ffn * hidden, (long)ids[j] * hidden * ffn, ffn, hidden, xt);
                for (int r = 0; r < hidden; r++) expected[r] += weights[j] * o[r];
            }
            double scale = expected.Max(Math.Abs);
            for (int r = 0; r < hidden; r++)
            {
                double d = Math.Abs(y[t * hidden + r] - expected[r]);
                worst = Math.Max(worst, d / scale);
                Assert.That(d, Is.LessThanOrEqualTo(1e-5 * scale), $"token {t}, output {r}: {y[t * hidden + r]} vs {expected[r]} (routed to {string.Join(",", ids)})");
            }
        }
        TestContext.Out.WriteLine($"worst |Δ| / max|y| = {worst:E2}; {differsFromGreedy} of {n} tokens route differently from plain top-4");
        Assert.That(differsFromGreedy, Is.GreaterThan(0), "the group limit must change some selections, or this test does not exercise it");
    }

    [Test]
    public void Session_Runs_AndDiffersFromGreedyRouting()
    {
        var reference = ReferenceLogits.Load(RepoPaths.RequireTestData("models/tiny-deepseek2-f32.reference.json"));
        float[][] Run(string path)
        {
            using InferenceModel model = InferenceModel.Load(path);
            using InferenceSession s = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 64 });
            return reference.Run(s);
        }
        float[][] grouped = Run(_path), greedy = Run(RepoPaths.RequireTestData("models/tiny-deepseek2-f32.gguf"));
        Assert.That(grouped.SelectMany(r => r).All(float.IsFinite), Is.True);
        double maxDiff = grouped.Zip(greedy).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
        TestContext.Out.WriteLine($"grouped vs greedy routing: max |Δlogit| {maxDiff:0.0000}");
        Assert.That(maxDiff, Is.GreaterThan(1e-3), "same weights, different expert selection: the logits must move");
    }
}
