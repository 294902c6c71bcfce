using System.Text.RegularExpressions;
using NativeInfer.Config;
using NativeInfer.Gguf;
using NativeInfer.Models.Checking;
using NativeInfer.Models.Synthetic;
using NativeInfer.Quantization;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Models.Synthetic;

/// <summary>
/// Synthetic models of every architecture: the file passes the model check (every tensor the architecture
/// expects, with its shape, nothing else), the config built from it has the spec's widths, it loads and runs,
/// and its quantized variants compute what the F32 model computes up to the format's rounding.
/// </summary>
[NonParallelizable]
public class SyntheticArchitectureTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-synthetic-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static readonly int[] Prompt = [5, 17, 300, 42, 99, 7];

    public static IEnumerable<TestCaseData> Architectures()
    {
        yield return new TestCaseData(DeepseekV2SyntheticSpec.Tiny(512) with { Layers = 2 }).SetArgDisplayNames("deepseek2");
        yield return new TestCaseData(DeepseekV2SyntheticSpec.Tiny(512) with { Layers = 2, QLoraRank = 256, LeadingDenseBlocks = 0 }).SetArgDisplayNames("deepseek2-qlora-all-moe");
        yield return new TestCaseData(Qwen2MoeSyntheticSpec.Tiny(512)).SetArgDisplayNames("qwen2moe");
        yield return new TestCaseData(LlamaSyntheticSpec.Tiny(512)).SetArgDisplayNames("llama");
        yield return new TestCaseData(DeepseekV2SyntheticSpec.TinyV3(512) with { Layers = 2 }).SetArgDisplayNames("deepseek3");
        yield return new TestCaseData(Qwen3SyntheticSpec.Tiny(512)).SetArgDisplayNames("qwen3moe");
        yield return new TestCaseData(Qwen3SyntheticSpec.TinyDense(512)).SetArgDisplayNames("qwen3");
        yield return new TestCaseData(LlamaSyntheticSpec.TinyMixtral(512)).SetArgDisplayNames("mixtral");
    }

    private string Write(SyntheticModelSpec spec, GgmlType type, string name)
    {
        string path = Path.Combine(_dir, name + ".gguf");
        SyntheticModelWriter.Write(spec.WithAllTypes(type), path);
        return path;
    }

    private static float[] Logits(string path)
    {
        using InferenceModel model = InferenceModel.Load(path);
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 16 });
        var logits = new float[Prompt.Length * model.Config.VocabSize];
        session.ForwardAll(Prompt, logits);
        return logits;
    }

    [TestCaseSource(nameof(Architectures))]
    public void EveryArchitecture_PassesTheModelCheck_AndTheConfigHasTheSpecsWidths(SyntheticModelSpec spec)
    {
        string path = Write(spec, GgmlType.Q8_0, "m");
        ModelCheckReport report = ModelCheck.Run(path);
        Assert.That(report.Passed, Is.True, report.FailureReason);
        Assert.That(report.Unexpected, Is.Empty);

        ModelConfig c = report.Config;
        Assert.That((c.Architecture, c.HiddenSize, c.NumLayers, c.VocabSize), Is.EqualTo((spec.Architecture, spec.Hidden, spec.Layers, spec.Vocab)));
        switch (spec)
        {
            case DeepseekV2SyntheticSpec d:
                Assert.That(c.Attention.Kind, Is.EqualTo(AttentionKind.MultiHeadLatent));
                Assert.That((c.Attention.NumHeads, c.Attention.KvLoraRank, c.Attention.QLoraRank, c.Attention.QkNopeHeadDim, c.Attention.QkRopeHeadDim, c.Attention.VHeadDim),
                            Is.EqualTo((d.Heads, d.KvLoraRank, d.QLoraRank, d.NopeHeadDim, d.RopeHeadDim, d.VHeadDim)));
                Assert.That((c.Moe!.NumExperts, c.Moe.ExpertsPerToken, c.Moe.ExpertIntermediateSize, c.Moe.NumSharedExperts, c.Moe.LeadingDenseBlocks),
                            Is.EqualTo((d.Experts, d.ExpertsPerToken, d.ExpertFfn, d.SharedExperts, d.LeadingDenseBlocks)));
                Assert.That(c.Rope.Scaling?.Type, Is.EqualTo(RopeScalingType.Yarn));
                Assert.That((c.Moe.Scoring == ScoringFunction.Sigmoid, c.Moe.SelectionBias, c.Moe.NumGroups, c.Moe.NormalizeTopKProbabilities, c.Moe.RoutedScalingFactor),
                            Is.EqualTo((d.SigmoidGating, d.SelectionBias, d.ExpertGroups ?? 1, d.WeightsNorm, d.WeightsScale)));
                Assert.That(c.NextNPredictLayers, Is.EqualTo(d.NextNLayers));
                Assert.That(report.Ignored.Count, d.NextNLayers > 0 ? Is.GreaterThan(10) : Is.Zero, "an MTP layer's tensors are ignored, with the reason");
                break;
            case Qwen3SyntheticSpec q3:
                Assert.That((c.Attention.NumHeads, c.Attention.NumKvHeads, c.Attention.HeadDim, c.Attention.QkvBias, c.Attention.QkNorm),
                            Is.EqualTo((q3.Heads, q3.KvHeads, q3.HeadDim, false, true)));
                Assert.That(c.Attention.HeadDim, Is.Not.EqualTo(q3.Hidden / q3.Heads), "the head width comes from key_length");
                Assert.That(c.Rope.Style, Is.EqualTo(RopeStyle.Neox));
                if (q3.Experts > 0)
                    Assert.That((c.Moe!.NumExperts, c.Moe.ExpertsPerToken, c.Moe.ExpertIntermediateSize, c.Moe.NumSharedExperts, c.Moe.NormalizeTopKProbabilities),
                                Is.EqualTo((q3.Experts, q3.ExpertsPerToken, q3.ExpertFfn, 0, true)));
                else Assert.That((c.Moe, c.IntermediateSize), Is.EqualTo(((MoeConfig?)null, q3.Ffn)));
                break;
            case Qwen2MoeSyntheticSpec q:
                Assert.That((c.Attention.NumHeads, c.Attention.NumKvHeads, c.Attention.HeadDim, c.Attention.QkvBias), Is.EqualTo((q.Heads, q.KvHeads, q.Hidden / q.Heads, true)));
                Assert.That((c.Moe!.NumExperts, c.Moe.ExpertsPerToken, c.Moe.ExpertIntermediateSize, c.Moe.SharedIntermediateSize, c.Moe.SharedGate),
                            Is.EqualTo((q.Experts, q.ExpertsPerToken, q.ExpertFfn, q.SharedFfn, SharedExpertGate.Sigmoid)));
                Assert.That(c.Rope.Style, Is.EqualTo(RopeStyle.Neox));
                break;
            case LlamaSyntheticSpec l:
                Assert.That((c.Attention.NumHeads, c.Attention.NumKvHeads, c.Attention.HeadDim, c.Attention.QkvBias, c.IntermediateSize), Is.EqualTo((l.Heads, l.KvHeads, l.Hidden / l.Heads, false, l.Ffn)));
                if (l.Experts == 0) Assert.That(c.Moe, Is.Null);
                else Assert.That((c.Moe!.NumExperts, c.Moe.ExpertsPerToken, c.Moe.ExpertIntermediateSize, c.Moe.NormalizeTopKProbabilities),
                                 Is.EqualTo((l.Experts, l.ExpertsPerToken, l.Ffn, true)));
                break;
        }
    }

    /// <summary>
    /// Same seed, same random values: a quantized model is the F32 model plus rounding. Relative RMS error of
    /// the logits (all positions) against the F32 model; bounds about 1.5–2× what was measured (deepseek2 /
    /// qwen2moe / llama: f16 0.001, bf16 0.008, q8_0 0.06 / 0.02 / 0.02, q6_K 0.06, q4_K 0.23, q4_0 0.27):
    /// errors of random full-scale blocks compound layer by layer, and in MoE models flip expert choices.
    /// </summary>
    [TestCaseSource(nameof(Architectures))]
    public void EveryArchitecture_RunsInEveryType_QuantizedLogitsFollowTheF32Model(SyntheticModelSpec spec)
    {
        float[] reference = Logits(Write(spec, GgmlType.F32, "f32"));
        Assert.That(reference.All(float.IsFinite), Is.True);
        Assert.That(reference.Max() - reference.Min(), Is.GreaterThan(0.1f), "logits vary over the vocabulary");
        // DeepSeek-V3's sigmoid scores lie close together (and the bias moves them closer), so rounding flips
        // more expert choices than under softmax routing: measured q6_K 0.21, q4_K 0.44, q4_0 0.50 on this shape.
        double slack = spec is DeepseekV2SyntheticSpec { SigmoidGating: true } ? 2 : 1;
        foreach ((GgmlType type, double limit) in new[] { (GgmlType.F16, 0.003), (GgmlType.BF16, 0.02), (GgmlType.Q8_0, 0.1), (GgmlType.Q6_K, 0.12), (GgmlType.Q4_K, 0.4), (GgmlType.Q4_0, 0.45) })
        {
            double bound = limit * slack;
            float[] logits = Logits(Write(spec, type, type.Name()));
            Assert.That(logits.All(float.IsFinite), Is.True, type.Name());
            double err = 0, norm = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                err += Math.Pow(logits[i] - reference[i], 2);
                norm += Math.Pow(reference[i], 2);
            }
            double relative = Math.Sqrt(err / norm);
            TestContext.Out.WriteLine($"{spec.Architecture} {type.Name()}: relative RMS error of the logits vs F32 {relative:0.0000}");
            Assert.That(relative, Is.LessThan(bound), type.Name());
        }
    }

    /// <summary>The writer's quantized tensors are byte for byte what the project's quantizer makes of its F32 tensors.</summary>
    [TestCase(GgmlType.Q4_0)]
    [TestCase(GgmlType.Q6_K)]
    public void QuantizedTensors_EqualTheQuantizersConversionOfTheF32Model(GgmlType type)
    {
        SyntheticModelSpec spec = Qwen2MoeSyntheticSpec.Tiny(300) with { Layers = 1 };
        string f32 = Write(spec, GgmlType.F32, "f32"), written = Write(spec, type, "written"), converted = Path.Combine(_dir, "converted.gguf");
        using (GgufFile source = GgufFile.Open(f32))
            GgufQuantizer.Quantize(source, converted, new GgufQuantizeOptions(type, 2, new Regex(@"ffn_gate_inp\.weight$"))); // routers stay F32, as the writer keeps them
        using GgufFile a = GgufFile.Open(written), b = GgufFile.Open(converted);
        Assert.That(a.Tensors.Select(t => t.Name), Is.EqualTo(b.Tensors.Select(t => t.Name)));
        int matrices = 0;
        foreach (GgufTensor t in a.Tensors)
        {
            GgufTensor u = b.GetTensor(t.Name);
            Assert.That((t.Type, t.Dimensions.ToArray()), Is.EqualTo((u.Type, u.Dimensions.ToArray())), t.Name);
            Assert.That(t.AsSpan().SequenceEqual(u.AsSpan()), Is.True, $"{t.Name} differs");
            if (t.Type == type) matrices++;
        }
        Assert.That(matrices, Is.GreaterThan(10));
    }

    [Test]
    public void TinyWidths_LoadAndRun()
    {
        var spec = new LlamaSyntheticSpec { Hidden = 32, Layers = 1, Vocab = 40, Heads = 4, KvHeads = 2, Ffn = 64, WeightType = GgmlType.Q8_0, EmbeddingType = GgmlType.Q8_0, OutputType = GgmlType.F16 };
        string path = Path.Combine(_dir, "tiny.gguf");
        SyntheticModelWriter.Write(spec, path);
        using InferenceModel model = InferenceModel.Load(path);
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 4 });
        var logits = new float[40];
        session.Forward([3], logits);
        Assert.That(logits.All(float.IsFinite), Is.True);
    }

    [Test]
    public void SameSeed_SameFile_OtherSeed_OtherWeights()
    {
        SyntheticModelSpec spec = Qwen2MoeSyntheticSpec.Tiny(300);
        string a = Write(spec, GgmlType.Q4_0, "a"), b = Write(spec, GgmlType.Q4_0, "b"), c = Write(spec with { Seed = 2 }, GgmlType.Q4_0, "c");
        Assert.That(File.ReadAllBytes(a), Is.EqualTo(File.ReadAllBytes(b)));
        Assert.That(File.ReadAllBytes(a), Is.Not.EqualTo(File.ReadAllBytes(c)));
    }

    public static IEnumerable<TestCaseData> Misfits()
    {
        yield return new TestCaseData(new LlamaSyntheticSpec { Hidden = 48, Heads = 3, KvHeads = 1, Layers = 1, Vocab = 100, Ffn = 64 }.WithAllTypes(GgmlType.Q4_0),
            "token_embd.weight: its rows have 48 values, not a multiple of the q4_0 block size 32");
        // Every row is 256 wide except o_proj's 8 heads × 16.
        yield return new TestCaseData((DeepseekV2SyntheticSpec.Tiny(100) with { VHeadDim = 16 }).WithAllTypes(GgmlType.Q4_K),
            "blk.0.attn_output.weight: its rows have 128 values, not a multiple of the q4_K block size 256");
        yield return new TestCaseData((Qwen2MoeSyntheticSpec.Tiny(100) with { ExpertFfn = 320 }).WithAllTypes(GgmlType.Q6_K),
            "blk.0.ffn_down_exps.weight: its rows have 320 values, not a multiple of the q6_K block size 256");
    }

    [TestCaseSource(nameof(Misfits))]
    public void TypeThatDoesNotFitARow_FailsNamingTheTensor_AndWritesNothing(SyntheticModelSpec spec, string expected)
    {
        var e = Assert.Throws<SyntheticModelException>(() => SyntheticModelWriter.Write(spec, Path.Combine(_dir, "bad.gguf")));
        Assert.That(e!.Message, Does.StartWith(expected));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }

    [Test]
    public void InconsistentWidths_FailNamingTheField()
    {
        var e = Assert.Throws<SyntheticModelException>(() => SyntheticModelWriter.Write(new LlamaSyntheticSpec { Hidden = 100, Heads = 8 }, Path.Combine(_dir, "x.gguf")));
        Assert.That(e!.Message, Is.EqualTo("Hidden = 100 is not a multiple of Heads = 8"));
        e = Assert.Throws<SyntheticModelException>(() => SyntheticModelWriter.Write(Qwen2MoeSyntheticSpec.Tiny(100) with { ExpertsPerToken = 9 }, Path.Combine(_dir, "x.gguf")));
        Assert.That(e!.Message, Is.EqualTo("ExpertsPerToken is 9; it must be between 1 and Experts = 8"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }
}
