using NativeInfer.Config;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Operators;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// The router kernel against Router.Route (the CPU operator) on the configurations the models use —
/// DeepSeek-V2(-Lite)'s softmax with and without group limiting, DeepSeek-V3's sigmoid + bias + noaux_tc,
/// Qwen's softmax top-k renormalised — on random logits, and on deliberate ties, where the lower id must win.
/// </summary>
public class RouterKernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    private static MoeConfig Config(int experts, int k, RoutingMethod routing, int groups, int topKGroups, bool norm, float scale,
                                    ScoringFunction scoring = ScoringFunction.Softmax, bool bias = false) => new()
    {
        NumExperts = experts, ExpertsPerToken = k, ExpertIntermediateSize = 8, Routing = routing, NumGroups = groups, TopKGroups = topKGroups,
        NormalizeTopKProbabilities = norm, RoutedScalingFactor = scale, Scoring = scoring, SelectionBias = bias,
    };

    private static readonly TestCaseData[] Configs =
    [
        new TestCaseData("V2-Lite greedy", Config(64, 6, RoutingMethod.Greedy, 1, 1, false, 1f)).SetArgDisplayNames("V2-Lite greedy"),
        new TestCaseData("V2 group-limited", Config(160, 6, RoutingMethod.GroupLimitedGreedy, 8, 3, false, 16f)).SetArgDisplayNames("V2 group-limited"),
        new TestCaseData("V3 noaux_tc", Config(64, 8, RoutingMethod.NoAuxTopKGroups, 8, 4, true, 2.5f, ScoringFunction.Sigmoid, bias: true)).SetArgDisplayNames("V3 noaux_tc"),
        new TestCaseData("Qwen renormalised", Config(60, 4, RoutingMethod.Greedy, 1, 1, true, 1f)).SetArgDisplayNames("Qwen renormalised"),
        new TestCaseData("k = 1 grouped", Config(32, 1, RoutingMethod.GroupLimitedGreedy, 4, 1, true, 2.5f)).SetArgDisplayNames("k = 1 grouped"),
    ];

    private unsafe (int[] Ids, float[] Weights) Cpu(MoeConfig moe, float[] logits, float[]? bias)
    {
        int n = logits.Length / moe.NumExperts;
        var ids = new int[n * moe.ExpertsPerToken];
        var weights = new float[ids.Length];
        var scratch = new float[Router.ScratchFloats(moe)];
        fixed (float* l = logits, w = weights, s = scratch, b = bias)
        fixed (int* i = ids)
            Router.Route(moe, l, n, b, i, w, s);
        return (ids, weights);
    }

    private (int[] Ids, float[] Weights) Gpu(MoeConfig moe, float[] logits, float[]? bias)
    {
        int n = logits.Length / moe.NumExperts, k = moe.ExpertsPerToken;
        using var lb = Upload(logits);
        using var bb = Upload(bias ?? []);
        using var ids = Allocate<int>(n * k);
        using var weights = Allocate<float>(n * k);
        using var scratch = Allocate<float>((long)n * RouterKernel.ScratchFloatsPerToken(moe));
        using var flags = Allocate<int>((long)n * moe.NumExperts);
        Kernels.Router.Launch(Stream, moe, lb.View, n, bias is null ? null : bb.View, ids.View, weights.View, scratch.View, flags.View);
        return (Download(ids), Download(weights));
    }

    private void AssertSame(MoeConfig moe, float[] logits, float[]? bias, string what)
    {
        var (cpuIds, cpuWeights) = Cpu(moe, logits, bias);
        var (gpuIds, gpuWeights) = Gpu(moe, logits, bias);
        Assert.That(gpuIds, Is.EqualTo(cpuIds), $"{ShapeName}, {what}: expert ids");
        for (int i = 0; i < cpuWeights.Length; i++)
            Assert.That(gpuWeights[i], Is.EqualTo(cpuWeights[i]).Within(3e-6f * Math.Max(1f, Math.Abs(cpuWeights[i]))), $"{ShapeName}, {what}: weight {i}");
    }

    [TestCaseSource(nameof(Configs))]
    public void Route_RandomLogits_MatchesRouter(string name, MoeConfig moe)
    {
        const int tokens = 5;
        float[] logits = Reference.Gaussian(moe.NumExperts, tokens * moe.NumExperts, 2f);
        float[]? bias = moe.SelectionBias ? Reference.Gaussian(99, moe.NumExperts, 0.3f) : null;
        AssertSame(moe, logits, bias, name);
    }

    [TestCaseSource(nameof(Configs))]
    public void Route_TiedLogits_LowerIdWins(string name, MoeConfig moe)
    {
        // Only four distinct values: every selection and every group choice is decided by the tie rule.
        const int tokens = 3;
        float[] logits = Reference.Gaussian(moe.NumExperts + 1, tokens * moe.NumExperts).Select(v => MathF.Round(v * 1.5f) / 2).ToArray();
        float[]? bias = moe.SelectionBias ? new float[moe.NumExperts] : null;
        AssertSame(moe, logits, bias, name + " with ties");
    }

    [Test]
    public void Route_MoreExpertsThanTheKeptGroupsHold_IsRejected()
    {
        MoeConfig moe = Config(16, 6, RoutingMethod.GroupLimitedGreedy, 4, 1, false, 1f);  // one group of 4 kept, 6 wanted
        using var b = Allocate<float>(1024);
        using var i = Allocate<int>(1024);
        var e = Assert.Throws<ArgumentException>(() => Kernels.Router.Launch(Stream, moe, b.View, 1, null, i.View, b.View, b.View, i.View));
        Assert.That(e!.Message, Does.Contain("only 4 can be chosen"));
    }
}
