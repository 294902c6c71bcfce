using NativeInfer.Config;
using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Runtime;

/// <summary>
/// The runtime against <see cref="Float64Forward"/>, an independent float64 computation of the same
/// graphs, on what llama.cpp's reference files do not cover: DeepSeek-V3's group-limited routing with the
/// selection bias, a multi-token-prediction layer in the file, 61 layers with 3 dense ones, V3's attention
/// widths, Qwen3-MoE / dense Qwen3 and Mixtral. The oracle is first held to llama.cpp's logits on the
/// reference models. Weights are F32 (F16 for real widths), so the runtime's products run unquantized and
/// the two sides differ by float32 rounding only.
/// </summary>
[NonParallelizable]
public class Float64ReferenceTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-float64-").FullName;

    [OneTimeTearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>The oracle first: it must land where the testdata README says an independent float64 computation lands (max ≈ 0.005).</summary>
    [TestCase("tiny-deepseek2-f32")]
    [TestCase("tiny-deepseek3-f32")]
    [TestCase("tiny-qwen2moe-f32")]
    [TestCase("tiny-qwen3moe-f32")]
    public void Oracle_MatchesLlamaCpp_OnTheReferenceModels(string name)
    {
        var reference = ReferenceLogits.Load(RepoPaths.RequireTestData($"models/{name}.reference.json"));
        using var oracle = new Float64Forward(RepoPaths.RequireTestData($"models/{name}.gguf"));
        int[] tokens = [.. reference.PromptTokens, .. reference.GreedyTokens];
        double[][] logits = oracle.Run(tokens);
        ReferenceLogits.Comparison c = reference.Compare(logits.Select(r => r.Select(v => (float)v).ToArray()).ToArray());
        TestContext.Out.WriteLine(c);
        reference.AssertWithinTolerance(c);
    }

    public static IEnumerable<TestCaseData> Synthetic()
    {
        // Group-limited V3 routing that changes choices: 32 experts in 8 groups of 4, 3 kept, top-6; one MTP layer.
        yield return new TestCaseData(DeepseekV2SyntheticSpec.TinyV3(300) with { Experts = 32, ExpertsPerToken = 6, ExpertGroups = 8, ExpertGroupsUsed = 3 }, 12)
            .SetArgDisplayNames("deepseek3-groups-bias-mtp");
        // DeepSeek-V3's depth: 61 layers, the first 3 dense, at tiny widths.
        yield return new TestCaseData(DeepseekV2SyntheticSpec.TinyV3(300) with { Hidden = 64, Layers = 61, LeadingDenseBlocks = 3, Heads = 2, KvLoraRank = 64,
                                                                                QLoraRank = 64, NopeHeadDim = 32, RopeHeadDim = 32, VHeadDim = 32,
                                                                                DenseIntermediate = 128, ExpertFfn = 64, NextNLayers = 0 }, 6)
            .SetArgDisplayNames("deepseek3-61-layers");
        yield return new TestCaseData(Qwen3SyntheticSpec.Tiny(300), 12).SetArgDisplayNames("qwen3moe");
        yield return new TestCaseData(Qwen3SyntheticSpec.TinyDense(300), 12).SetArgDisplayNames("qwen3");
        yield return new TestCaseData(LlamaSyntheticSpec.TinyMixtral(300), 12).SetArgDisplayNames("mixtral");
    }

    [TestCaseSource(nameof(Synthetic))]
    public void Runtime_MatchesFloat64(SyntheticModelSpec spec, int tokens)
    {
        string path = Path.Combine(_dir, spec.Name + ".gguf");
        SyntheticModelWriter.Write(spec.WithAllTypes(GgmlType.F32), path);
        AssertRuntimeMatchesOracle(path, tokens, relative: 2e-4);
    }

    /// <summary>
    /// V3's attention and expert widths (hidden 7168, 128 heads of 128 + 64, q_lora 1536, kv_lora 512,
    /// experts of 2048 and a shared one) in one MoE layer of 8 experts, F16 weights (F16 activations in the
    /// runtime's products, hence the looser bound). A 1.2 GB file.
    /// </summary>
    [Test]
    public void Runtime_MatchesFloat64_AtDeepSeekV3Widths()
    {
        SyntheticModelSpec spec = DeepseekV2SyntheticSpec.DeepSeekV3(GgmlType.F16) with
        {
            Name = "deepseek-v3-widths", Layers = 1, LeadingDenseBlocks = 0, Vocab = 256, Experts = 8, ExpertsPerToken = 2, ExpertGroups = 4,
            ExpertGroupsUsed = 2,
        };
        string path = Path.Combine(_dir, "v3-widths.gguf");
        SyntheticModelWriter.Write(spec, path);
        AssertRuntimeMatchesOracle(path, tokens: 4, relative: 5e-3);
    }

    /// <summary>Prefill of all tokens and one-token decode steps both against the oracle; |Δ| relative to the largest |logit|.</summary>
    private static void AssertRuntimeMatchesOracle(string path, int tokens, double relative)
    {
        using var oracle = new Float64Forward(path);
        int vocab = oracle.Config.VocabSize;
        int[] ids = Enumerable.Range(0, tokens).Select(i => (i * 37 + 11) % vocab).ToArray();
        double[][] expected = oracle.Run(ids);

        using InferenceModel model = InferenceModel.Load(path);
        using InferenceSession prefill = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 32 });
        var all = new float[tokens * vocab];
        prefill.ForwardAll(ids, all);
        using InferenceSession decode = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 32 });
        var step = new float[vocab];
        double worst = 0;
        for (int t = 0; t < tokens; t++)
        {
            decode.Forward(ids.AsSpan(t, 1), step);
            double scale = expected[t].Max(Math.Abs);
            for (int v = 0; v < vocab; v++)
            {
                double dp = Math.Abs(all[t * vocab + v] - expected[t][v]) / scale, dd = Math.Abs(step[v] - expected[t][v]) / scale;
                worst = Math.Max(worst, Math.Max(dp, dd));
                if (dp > relative || dd > relative)
                    Assert.Fail($"position {t}, token {v}: prefill {all[t * vocab + v]}, decode {step[v]}, float64 {expected[t][v]:0.000000} (max |logit| {scale:0.00})");
            }
        }
        TestContext.Out.WriteLine($"{Path.GetFileName(path)}: worst |Δ| / max |logit| = {worst:E2} over {tokens} positions, prefill and decode");
    }
}
