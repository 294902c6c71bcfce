using NativeInfer.Generation;
using NativeInfer.Generation.Sampling;
using NativeInfer.Gpu.Decode;
using NativeInfer.Injection;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;
using NativeInfer.Tensors;
using NativeInfer.Tests.Injection;
using NativeInfer.Tests.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// KTransformers' DeepSeek rule files, verbatim from ../shared, select the GPU decode path: with the GPU backend
/// (<see cref="GpuDecodeBackend"/>, here its emulation of cuda:0 on ILGPU's CPU accelerator) and KTransformers' default
/// device cuda:0, every module they place on CUDA plans onto cuda:0 with no fallback, the routed experts onto the CPU
/// with out_device cuda:0, and the normal session and generation API run through the path. The logits are compared
/// with llama.cpp's (the README's -f32 tolerance, f32 linears) over the first prompt positions only: the emulated
/// device takes a good fraction of a second per token, and GpuDecodePathTests covers every position.
/// </summary>
[Category("GpuEmulated")]
[NonParallelizable]
public class GpuRulePlacementTests
{
    private const string V2LiteRules = "rules/ktransformers-DeepSeek-V2-Lite-Chat.yaml";
    private const string V3Rules = "rules/ktransformers-2026/DeepSeek-V3-Chat.yaml";
    private const string MultiGpuRules = "rules/ktransformers-2026/DeepSeek-V3-Chat-multi-gpu.yaml";
    private const int Positions = 6;

    private static readonly Device Cuda0 = new(DeviceKind.Cuda, 0);

    public static IEnumerable<TestCaseData> Files() =>
    [
        new TestCaseData("tiny-deepseek2-lite-f32", V2LiteRules).SetName("DeepSeek-V2-Lite-Chat.yaml on tiny-deepseek2-lite-f32"),
        new TestCaseData("tiny-deepseek3-f32", V3Rules).SetName("DeepSeek-V3-Chat.yaml on tiny-deepseek3-f32"),
    ];

    private static ModelOptions OnEmulatedGpu(string rules, GpuLinearPrecision linears = GpuLinearPrecision.F32, Device? defaultDevice = null) => new()
    {
        RulesPath = RepoPaths.RequireTestData(rules),
        Gpu = new GpuDecodeBackend(emulate: true, new GpuDecodeOptions { Linears = linears }),
        Injection = new InjectionOptions { DefaultDevice = defaultDevice ?? Cuda0 },
    };

    private static string Gguf(string model) => RepoPaths.RequireTestData($"models/{model}.gguf");

    [TestCaseSource(nameof(Files))]
    public void RuleFile_PlansOntoCuda0_WithoutFallback(string model, string rules)
    {
        InjectionPlan plan = InferenceModel.CreatePlan(Gguf(model), OnEmulatedGpu(rules));
        TestContext.Out.WriteLine(plan.Explain());

        Assert.That(plan.Warnings, Is.Empty, "no fallback, and every rule decides a module");
        Assert.That(plan.GpuDevice, Is.EqualTo(Cuda0));
        foreach (PlannedOperator e in plan.Entries.Where(e => e.Operator is not null && !e.Pruned))
        {
            if (e.Module is Experts)
            {
                Assert.That((e.GenerateDevice, e.PrefillDevice, e.OutDevice, e.GenerateOp, e.PrefillOp, e.DeviceImplementation),
                    Is.EqualTo((Device.Cpu, Device.Cpu, Cuda0, "KExpertsCPU", "KExpertsCPU", (string?)null)), e.Module.Path);
                Assert.That(e.Note, Does.Contain("prompts as decode steps"), e.Module.Path);
            }
            else if (e.Module is Embedding)
                Assert.That((e.GenerateDevice, e.DeviceImplementation), Is.EqualTo((Device.Cpu, (string?)null)), "the files keep embed_tokens on the CPU");
            else
                Assert.That((e.GenerateDevice, e.PrefillDevice, e.DeviceImplementation), Is.EqualTo((Cuda0, Cuda0, "GpuDecodePath (emulated)")), e.Module.Path);
        }
        Assert.That(plan.Entries.Count(e => e.Module is Experts), Is.GreaterThan(0));

        // The explain table names what runs each module.
        string[] attention = plan.ExplainRow("model.layers.1.self_attn");
        Assert.That(attention[^2..], Is.EqualTo(new[] { "GpuDecodePath (emulated)", "cuda:0" }));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.experts")[^2], Is.EqualTo("KTransformersExperts"));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.experts")[^1], Does.StartWith("cpu (prefill_device cuda:0: "));
    }

    [TestCaseSource(nameof(Files))]
    public void RuleFile_ThroughTheSession_MatchesLlamaCpp(string model, string rules)
    {
        var (m, reference) = ReferenceModelTests.Load(model, OnEmulatedGpu(rules));
        using (m)
        {
            Assert.That(m.Gpu, Is.Not.Null, "the plan selected the GPU backend");
            using InferenceSession session = m.CreateSession(new SessionOptions { Threads = 2, ContextLength = 16 });
            Assert.That(session.GpuDescription, Does.Contain("emulated"));
            int vocab = session.VocabSize;
            var all = new float[Positions * vocab];
            session.ForwardAll(reference.PromptTokens.AsSpan(0, Positions), all);
            float[][] rows = Enumerable.Range(0, Positions).Select(p => all.AsSpan(p * vocab, vocab).ToArray()).ToArray();

            ReferenceLogits prefix = Prefix(reference, Positions);
            ReferenceLogits.Comparison c = prefix.Compare(rows);
            TestContext.Out.WriteLine($"{model} with {rules} on {session.GpuDescription}, first {Positions} positions: {c}");
            prefix.AssertWithinTolerance(c);
            Assert.That(session.Length, Is.EqualTo(Positions));

            // The last position again through Forward after a truncation: the session's own protocol on the device cache.
            var again = new float[vocab];
            session.Truncate(Positions - 1);
            session.Forward(reference.PromptTokens.AsSpan(Positions - 1, 1), again);
            Assert.That(again, Is.EqualTo(rows[^1]), "the same step on the same cache rows is bit-identical");
        }
    }

    [Test]
    public void Generate_OnTheGpuPlan_GivesTheCpuPathsGreedyTokens()
    {
        string gguf = Gguf("tiny-deepseek3-f32");
        var reference = ReferenceLogits.Load(RepoPaths.RequireTestData("models/tiny-deepseek3-f32.reference.json"));
        int[] prompt = reference.PromptTokens[..4];
        var greedy = new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxTokens = 3, StopAtEndOfGeneration = false };
        var session = new GenerationSessionOptions { Threads = 2, ContextLength = 16 };

        IReadOnlyList<int> cpu, gpu;
        using (LanguageModel lm = LanguageModel.Load(gguf, new LanguageModelOptions { Session = session }))
            cpu = lm.CreateSession().Generate(prompt, greedy).Tokens;
        using (LanguageModel lm = LanguageModel.Load(gguf, new LanguageModelOptions { Model = OnEmulatedGpu(V3Rules), Session = session }))
        {
            using GenerationSession s = lm.CreateSession();
            Assert.That(s.Inference.GpuDescription, Does.Contain("emulated"));
            gpu = s.Generate(prompt, greedy).Tokens;
        }
        TestContext.Out.WriteLine($"CPU path {string.Join(" ", cpu)}, GPU plan {string.Join(" ", gpu)}");
        Assert.That(gpu, Is.EqualTo(cpu));
    }

    [Test]
    public void DecoderModulesLeftOnTheCpu_AreRefusedByName()
    {
        // KTransformers' default device is cuda:0; with ours (the CPU) the norms and decoder layers no rule names stay
        // on the CPU, which the path cannot run between its layers.
        var e = Assert.Throws<InjectionException>(() => InferenceModel.CreatePlan(Gguf("tiny-deepseek2-lite-f32"), OnEmulatedGpu(V2LiteRules, defaultDevice: Device.Cpu)))!;
        Assert.That(e.Message, Does.Contain("is planned on cpu").And.Contain("GpuDecodePath (emulated) runs every decoder layer").And.Contain("DefaultDevice"));
    }

    [Test]
    public void RoutedExpertsOnCuda_FailAtPlanningWithTheReason()
    {
        string yaml = File.ReadAllText(RepoPaths.RequireTestData(V3Rules)).Replace("generate_device: \"cpu\"\n      generate_op: \"KExpertsCPU\"", "generate_device: \"cuda:0\"\n      generate_op: \"KExpertsCPU\"");
        Assume.That(yaml, Does.Contain("generate_device: \"cuda:0\"\n      generate_op: \"KExpertsCPU\""), "the edit applied");
        ModelOptions options = OnEmulatedGpu(V3Rules) with { Rules = RuleFile.Parse(yaml, "experts-on-gpu.yaml"), RulesPath = null };
        var e = Assert.Throws<InjectionException>(() => InferenceModel.CreatePlan(Gguf("tiny-deepseek3-f32"), options))!;
        Assert.That(e.Message, Does.StartWith("experts-on-gpu.yaml:").And.Contain(".mlp.experts is placed on cuda:0 (generate_device)")
            .And.Contain("runs the routed experts on the CPU"));
    }

    [Test]
    public void MultiGpuFile_PlansTheLayersOnCuda0_AndTheNormAndHeadOnCuda1()
    {
        // Written for 61 layers: 0–29 on cuda:0, 30–60, model.norm and lm_head on cuda:1, transfer_map {30: cuda:1}. The
        // tiny model's 3 layers all land on cuda:0 (its transfer_map entry never applies), its norm and head on cuda:1.
        InjectionPlan plan = InferenceModel.CreatePlan(Gguf("tiny-deepseek3-f32"), OnEmulatedGpu(MultiGpuRules));
        TestContext.Out.WriteLine(plan.Explain());
        for (int layer = 0; layer < plan.Root.Config.NumLayers; layer++)
            Assert.That(plan.ExplainRow($"model.layers.{layer}.self_attn")[^2..], Is.EqualTo(new[] { "GpuDecodePath (emulated)", "cuda:0" }));
        Assert.That(plan.ExplainRow("model.norm")[^1], Is.EqualTo("cuda:1"));
        Assert.That(plan.ExplainRow("lm_head")[^1], Is.EqualTo("cuda:1"));
    }

    [Test]
    public void MultiGpuFile_ThroughTheSession_MatchesLlamaCpp_AndTheOneDevicePlan()
    {
        float[][] RunSession(ModelOptions options, out ReferenceLogits reference, out string description)
        {
            var (m, r) = ReferenceModelTests.Load("tiny-deepseek3-f32", options);
            reference = r;
            using (m)
            {
                using InferenceSession session = m.CreateSession(new SessionOptions { Threads = 2, ContextLength = 16 });
                description = session.GpuDescription!;
                int vocab = session.VocabSize;
                var all = new float[Positions * vocab];
                session.ForwardAll(r.PromptTokens.AsSpan(0, Positions), all);
                return Enumerable.Range(0, Positions).Select(p => all.AsSpan(p * vocab, vocab).ToArray()).ToArray();
            }
        }

        float[][] split = RunSession(OnEmulatedGpu(MultiGpuRules), out ReferenceLogits reference, out string devices);
        float[][] one = RunSession(OnEmulatedGpu(V3Rules), out _, out _);
        ReferenceLogits prefix = Prefix(reference, Positions);
        ReferenceLogits.Comparison c = prefix.Compare(split);
        TestContext.Out.WriteLine($"DeepSeek-V3-Chat-multi-gpu.yaml on {devices}, first {Positions} positions: {c}");
        Assert.That(devices, Does.Contain("cuda:0").And.Contain("cuda:1"), "both devices opened");
        prefix.AssertWithinTolerance(c);
        // The hand-over copies f32 values exactly and both emulated devices run the same kernels: nothing may differ.
        Assert.That(split, Is.EqualTo(one), "split over two devices vs all on one");
    }

    [Test]
    public void ATransferMapThatDisagreesWithThePlacement_IsRefused()
    {
        string yaml = File.ReadAllText(RepoPaths.RequireTestData(MultiGpuRules)).Replace("30: \"cuda:1\"", "1: \"cuda:1\"");
        Assume.That(yaml, Does.Contain("1: \"cuda:1\""), "the edit applied");
        ModelOptions options = OnEmulatedGpu(MultiGpuRules) with { Rules = RuleFile.Parse(yaml, "moved.yaml"), RulesPath = null };
        var e = Assert.Throws<InjectionException>(() => InferenceModel.CreatePlan(Gguf("tiny-deepseek3-f32"), options))!;
        Assert.That(e.Message, Does.StartWith("moved.yaml:").And.Contain("transfer_map moves the hidden state to cuda:1 at layer 1")
            .And.Contain("model.layers.1 on cuda:0"));
    }

    [Test]
    public void ALayerOnTwoDevices_IsRefused()
    {
        const string attention = "KDeepseekV2Attention # optimized MLA implementation\n    kwargs:\n      generate_device: \"cuda\"";
        string yaml = File.ReadAllText(RepoPaths.RequireTestData(V3Rules)).Replace(attention, attention.Replace("\"cuda\"", "\"cuda:1\""));
        Assume.That(yaml, Does.Contain("generate_device: \"cuda:1\""), "the edit applied");
        ModelOptions options = OnEmulatedGpu(V3Rules) with { Rules = RuleFile.Parse(yaml, "attention-elsewhere.yaml"), RulesPath = null };
        var e = Assert.Throws<InjectionException>(() => InferenceModel.CreatePlan(Gguf("tiny-deepseek3-f32"), options))!;
        Assert.That(e.Message, Does.Contain("runs a decoder layer on one device").And.Contain("cuda:1").And.Contain("cuda:0"));
    }

    [Test]
    public void AKvCacheTypeTheDeviceDoesNotKeep_IsRefused_NotIgnored()
    {
        using InferenceModel m = InferenceModel.Load(Gguf("tiny-deepseek3-f32"), OnEmulatedGpu(V3Rules));
        var e = Assert.Throws<GpuDecodeNotSupportedException>(() => m.CreateSession(new SessionOptions { KvCacheType = global::NativeInfer.Interop.NiType.F16, ContextLength = 4 }))!;
        Assert.That(e.Message, Does.Contain("KV cache in F32").And.Contain("KvCacheType F16"));
    }

    [Test]
    public void WithoutTheBackend_TheSameFileStillFallsBackOrFails()
    {
        CudaRequirement.NoUsableDevice();
        var e = Assert.Throws<InjectionException>(() => InferenceModel.CreatePlan(Gguf("tiny-deepseek2-lite-f32"), new ModelOptions { RulesPath = RepoPaths.RequireTestData(V2LiteRules) }));
        Assert.That(e!.Message, Does.Contain("not available"));
    }

    internal static ReferenceLogits Prefix(ReferenceLogits r, int positions) => new()
    {
        PromptTokens = r.PromptTokens, GreedyTokens = r.GreedyTokens, SampleIds = r.SampleIds, Positions = r.Positions[..positions],
        MaxAbs = r.MaxAbs, MeanAbs = r.MeanAbs, Top1Margin = r.Top1Margin, Top1MinAgreement = r.Top1MinAgreement,
    };
}
