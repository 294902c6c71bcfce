using NativeInfer.Config;
using NativeInfer.Gguf;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Operators;
using NativeInfer.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// Kernels on the tiny reference models' own configurations and weights (../shared/testdata/models): the MLA
/// attention with tiny DeepSeek-V2's kv_b (as f16) and softmax scale, and the router with tiny DeepSeek-V3's
/// config and its trained-in selection bias (exp_probs_b), against float64 and Router.Route.
/// </summary>
public class TinyModelShapeTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    private static ModelConfig Config(GgufFile file) => InferenceModel.CreatePlan(file).Root.Config;

    [Test]
    public void Mla_TinyDeepseek2_WithItsKvB_MatchesExpandedFloat64()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("models/tiny-deepseek2-f32.gguf"));
        AttentionConfig a = Config(file).Attention;
        var s = new MlaShape { Heads = a.NumHeads, Nope = a.QkNopeHeadDim, Rope = a.QkRopeHeadDim, Value = a.VHeadDim, Rank = a.KvLoraRank };
        s.CacheStride = s.Rank + s.Rope;
        GgufTensor kvB = file.GetTensor("blk.1.attn_kv_b.weight");
        ushort[] kv = kvB.AsSpan<float>().ToArray().Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        Assert.That(kv.Length, Is.EqualTo(s.Heads * (s.Nope + s.Value) * s.Rank), "kv_b is [H·(d_n + d_v)][r]");
        const int tokens = 1, start = 9, total = 10;
        float scale = 1f / MathF.Sqrt(s.Nope + s.Rope);
        float[] q = Reference.Gaussian(41, tokens * s.Heads * (s.Nope + s.Rope));
        float[] cache = Reference.Gaussian(42, total * (int)s.CacheStride);

        using var qb = Upload(q);
        using var kb = Upload(kv);
        using var cb = Upload(cache);
        using var scratch = Allocate<float>(MlaAttention.ScratchFloats(s, tokens, total));
        using var ob = Allocate<float>(tokens * s.Heads * s.Value);
        Kernels.Mla.Launch(Stream, s, qb.View, kb.View, cb.View, tokens, start, scale, scratch.View, ob.View);
        float[] got = Download(ob);
        (double[] want, double[] magnitude) = AttentionKernelTests.MlaExpanded(s, q, kv, cache, tokens, start, scale);
        for (int i = 0; i < want.Length; i++)
            Assert.That(got[i], Is.EqualTo(want[i]).Within(2e-5 * (magnitude[i] + 1)), $"{ShapeName}: output {i}");
    }

    [Test]
    public unsafe void Router_TinyDeepseek3_WithItsSelectionBias_MatchesRouter()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("models/tiny-deepseek3-f32.gguf"));
        MoeConfig moe = Config(file).Moe!;
        Assert.That(moe.SelectionBias && moe.Scoring == ScoringFunction.Sigmoid, "tiny DeepSeek-V3 routes by sigmoid + bias");
        float[] bias = file.GetTensor("blk.1.exp_probs_b.bias").AsSpan<float>().ToArray();
        const int tokens = 6;
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        float[] logits = Reference.Gaussian(43, tokens * e, 2f);

        var ids = new int[tokens * k];
        var weights = new float[tokens * k];
        var cpuScratch = new float[Router.ScratchFloats(moe)];
        fixed (float* l = logits, b = bias, w = weights, sc = cpuScratch)
        fixed (int* i = ids)
            Router.Route(moe, l, tokens, b, i, w, sc);

        using var lb = Upload(logits);
        using var bb = Upload(bias);
        using var ib = Allocate<int>(tokens * k);
        using var wb = Allocate<float>(tokens * k);
        using var scratch = Allocate<float>(tokens * RouterKernel.ScratchFloatsPerToken(moe));
        using var flags = Allocate<int>(tokens * e);
        Kernels.Router.Launch(Stream, moe, lb.View, tokens, bb.View, ib.View, wb.View, scratch.View, flags.View);
        Assert.That(Download(ib), Is.EqualTo(ids), $"{ShapeName}: expert ids");
        float[] gotWeights = Download(wb);
        for (int j = 0; j < weights.Length; j++)
            Assert.That(gotWeights[j], Is.EqualTo(weights[j]).Within(3e-6f * Math.Max(1f, Math.Abs(weights[j]))), $"{ShapeName}: weight {j}");
    }
}
