using NativeInfer.Config;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Tensors;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// The RoPE kernel with its host table against RotaryEmbeddingOperator.Apply: adjacent pairs and NEOX, plain
/// and YaRN (DeepSeek-V2-Lite's scaling: factor 40, mscale = mscale_all_dim, so cos/sin are not rescaled, and a
/// variant with unequal mscales, which is), at positions far into the table.
/// </summary>
public class RopeKernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    private static RopeConfig Rope(RopeStyle style, int dims, bool yarn, float mscale = 0.707f) => new()
    {
        Base = 10000f,
        Dimensions = dims,
        Style = style,
        Scaling = yarn
            ? new RopeScaling { Type = RopeScalingType.Yarn, Factor = 40f, OriginalContextLength = 4096, BetaFast = 32f, BetaSlow = 1f, MScale = mscale, MScaleAllDim = 0.707f }
            : null,
    };

    private static unsafe void CpuRope(RopeConfig rope, float[] x, int start, int tokens, int heads, long tokenStride, long headStride)
    {
        var config = new ModelConfig
        {
            Architecture = "test", HiddenSize = 64, NumLayers = 1, VocabSize = 8, IntermediateSize = 8, Rope = rope,
            Attention = new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = heads, NumKvHeads = heads, HeadDim = rope.Dimensions },
        };
        var op = new RotaryEmbeddingOperator(new OperatorContext
        {
            Key = "rotary_emb", Module = new RotaryEmbedding("rotary_emb", rope), Config = config, Weights = new NoWeights(),
        });
        using var scratch = new ScratchArena();
        var ctx = new ForwardContext(null!, scratch, null!);
        ctx.Begin(start, tokens);
        fixed (float* p = x) op.Apply(ctx, p, tokens, heads, tokenStride, headStride);
    }

    [TestCase(RopeStyle.AdjacentPairs, 16, false, 0)]
    [TestCase(RopeStyle.Neox, 16, false, 5)]
    [TestCase(RopeStyle.AdjacentPairs, 64, true, 3000)]   // DeepSeek-V2-Lite's d_r and YaRN
    [TestCase(RopeStyle.Neox, 32, true, 77)]
    public void Rope_MatchesRotaryEmbeddingOperator(RopeStyle style, int dims, bool yarn, int start)
    {
        RopeConfig rope = Rope(style, dims, yarn);
        const int tokens = 3, heads = 2;
        int headStride = dims + 8, tokenStride = heads * headStride + 5;  // q_pe inside wider heads and rows
        float[] x = Reference.Gaussian(dims + start, tokens * tokenStride);
        float[] expected = (float[])x.Clone();
        CpuRope(rope, expected, start, tokens, heads, tokenStride, headStride);

        RopeTable table = RopeTable.Create(rope, start + tokens + 2);
        using var cos = Upload(table.Cos);
        using var sin = Upload(table.Sin);
        using var xb = Upload(x);
        Kernels.Rope.Launch(Stream, xb.View, cos.View, sin.View, table, tokens, heads, tokenStride, headStride, start);
        float[] got = Download(xb);
        for (int i = 0; i < x.Length; i++)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(1e-6f * (1 + Math.Abs(expected[i]))), $"{ShapeName}: value {i}");
    }

    [Test]
    public void RopeTable_YarnWithUnequalMScales_ScalesCosAndSin()
    {
        RopeTable plain = RopeTable.Create(Rope(RopeStyle.AdjacentPairs, 8, yarn: true, mscale: 0.707f), 4);
        RopeTable scaled = RopeTable.Create(Rope(RopeStyle.AdjacentPairs, 8, yarn: true, mscale: 1.0f), 4);
        float m = Yarn.MScale(40f, 1.0f) / Yarn.MScale(40f, 0.707f);
        Assert.That(Math.Abs(m - 1f), Is.GreaterThan(1e-3f), "the two mscales must differ for this test to mean anything");
        for (int i = 0; i < plain.Cos.Length; i++)
        {
            Assert.That(scaled.Cos[i], Is.EqualTo(plain.Cos[i] * m).Within(1e-6f));
            Assert.That(scaled.Sin[i], Is.EqualTo(plain.Sin[i] * m).Within(1e-6f));
        }
    }

    [Test]
    public void Rope_PositionsPastTheTable_AreRejected()
    {
        RopeTable table = RopeTable.Create(Rope(RopeStyle.AdjacentPairs, 8, false), 4);
        using var cos = Upload(table.Cos);
        using var x = Allocate<float>(64);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.Rope.Launch(Stream, x.View, cos.View, cos.View, table, 2, 1, 8, 8, 3));
        Assert.That(e!.Message, Does.Contain("outside the RoPE table"));
    }

    private sealed class NoWeights : IWeightSource
    {
        public string Description => "none";
        public bool TryGetTensor(string name, out WeightTensor tensor) { tensor = default; return false; }
    }
}
