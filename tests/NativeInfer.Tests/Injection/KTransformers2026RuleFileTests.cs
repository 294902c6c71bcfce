using NativeInfer.Cuda;
using NativeInfer.Gguf;
using NativeInfer.Injection;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;
using NativeInfer.Tests.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// The rule files KTransformers' repository holds today (../shared/testdata/rules/ktransformers-2026,
/// unchanged) for DeepSeek-V3, Moonlight, Qwen3-MoE and Mixtral: they parse, every module of the matching
/// model is planned (the CPU fallback moving what they put on CUDA), their operator names resolve to
/// NativeInfer's operators, and the model still matches its reference logits under them.
/// </summary>
[NonParallelizable]
public class KTransformers2026RuleFileTests
{
    private static string Rules(string name) => RepoPaths.RequireTestData("rules/ktransformers-2026/" + name);

    private static ModelOptions Fallback(string rules) => new() { RulesPath = Rules(rules), Injection = new InjectionOptions { FallbackToCpu = true } };

    [TestCase("DeepSeek-V3-Chat.yaml", "tiny-deepseek3-f32")]
    [TestCase("DeepSeek-V3-Chat.yaml", "tiny-deepseek3-q")]
    [TestCase("DeepSeek-V3-Chat-multi-gpu.yaml", "tiny-deepseek3-f32")]
    [TestCase("DeepSeek-V3-Chat-amx.yaml", "tiny-deepseek3-f32")]
    [TestCase("DeepSeek-V3-Chat-serve.yaml", "tiny-deepseek3-q")]
    [TestCase("Moonlight-16B-A3B.yaml", "tiny-deepseek3-f32")]
    [TestCase("Qwen3Moe-serve.yaml", "tiny-qwen3moe-f32")]
    [TestCase("Qwen3Moe-serve.yaml", "tiny-qwen3moe-q")]
    [TestCase("Qwen2-serve.yaml", "tiny-qwen2moe-f32")]
    public void Load_WithFallback_PlansEveryModule_AndMatchesReferenceLogits(string rules, string model)
    {
        var (m, reference) = ReferenceModelTests.Load(model, Fallback(rules));
        using (m)
        {
            Assert.That(m.Plan.Entries.Select(e => e.Module.Path), Is.EqualTo(m.Tree.Descendants().Select(x => x.Path)), "every module planned, in tree order");
            Assert.That(m.Plan.Warnings, Has.None.Contains("rule decides no module"));
            reference.AssertWithinTolerance(ReferenceModelTests.RunAndCompare(m, reference));
        }
    }

    [TestCase("DeepSeek-V3-Chat.yaml", "tiny-deepseek3-f32", "DeepSeek-V3-Chat.yaml:56 (rule 7): model.layers.0.self_attn is placed on cuda:0")]
    [TestCase("DeepSeek-V3-Chat-multi-gpu.yaml", "tiny-deepseek3-f32", "DeepSeek-V3-Chat-multi-gpu.yaml:129 (rule 15): model.layers.0.input_layernorm is placed on cuda:0")]
    [TestCase("Moonlight-16B-A3B.yaml", "tiny-deepseek3-f32", "Moonlight-16B-A3B.yaml:67 (rule 7): model.layers.0.self_attn is placed on cuda:0")]
    [TestCase("Qwen3Moe-serve.yaml", "tiny-qwen3moe-f32", "Qwen3Moe-serve.yaml:81 (rule 9): model.layers.0.input_layernorm is placed on cuda:0")]
    public void Load_WithoutFallback_FailsInOneLine_NamingTheRuleThatWantsCuda(string rules, string model, string expected)
    {
        if (CudaDevice.Availability.IsAvailable) Assert.Ignore("a CUDA device is present: the rules' placements are available");
        var e = Assert.Throws<InjectionException>(() => InferenceModel.Load(RepoPaths.RequireTestData($"models/{model}.gguf"), new ModelOptions { RulesPath = Rules(rules) }));
        Assert.That(e!.Message, Does.StartWith(expected).And.Contain("--cpu-fallback"));
    }

    [Test]
    public void DeepseekV3Rules_NameV3Classes_AndResolveToNativeInferOperators()
    {
        InjectionPlan plan = InferenceModel.CreatePlan(RepoPaths.RequireTestData("models/tiny-deepseek3-f32.gguf"), Fallback("DeepSeek-V3-Chat-amx.yaml"));
        TestContext.Out.WriteLine(plan.Explain());
        const string file = "DeepSeek-V3-Chat-amx.yaml", fallback = "cpu (rule asked for cuda:0; CPU fallback)";
        Assert.That(plan.ExplainRow("model.layers.1.mlp"), Is.EqualTo(new[] { "model.layers.1.mlp", "DeepseekV3MoE", $"{file}:30", "KDeepseekV3MoE", "SparseMoeOperator", fallback }));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.gate"), Is.EqualTo(new[] { "model.layers.1.mlp.gate", "MoEGate", $"{file}:38", "KMoEGate", "MoEGateOperator", fallback }));
        Assert.That(plan.ExplainRow("model.layers.2.self_attn.rotary_emb"),
            Is.EqualTo(new[] { "model.layers.2.self_attn.rotary_emb", "DeepseekV3YarnRotaryEmbedding", $"{file}:1", "YarnRotaryEmbedding", "RotaryEmbeddingOperator", fallback }));
        // AMX is KTransformers' CPU backend; here NativeInfer's CPU kernels run, and explain says so.
        Assert.That(plan.ExplainRow("model.layers.1.mlp.experts"), Is.EqualTo(new[] { "model.layers.1.mlp.experts", "Experts", $"{file}:45",
            "KTransformersExperts (KExpertsCPU)", "KTransformersExperts", fallback + " (backend AMXInt8: NativeInfer's CPU kernels)" }));
        // The Linear rule's lookahead leaves kv_b_proj to the attention, which reads it.
        Assert.That(plan.ExplainRow("model.layers.1.self_attn.kv_b_proj"), Is.EqualTo(new[] { "model.layers.1.self_attn.kv_b_proj", "Linear", "default", "-" }));
        Assert.That(plan.ExplainRow("model.layers.0.mlp"), Is.EqualTo(new[] { "model.layers.0.mlp", "DeepseekV3MLP", "default", "MLP", "MlpOperator", "cpu" }));
    }

    [Test]
    public void Qwen3Rules_MatchQwen3Classes()
    {
        InjectionPlan plan = InferenceModel.CreatePlan(RepoPaths.RequireTestData("models/tiny-qwen3moe-f32.gguf"), Fallback("Qwen3Moe-serve.yaml"));
        const string file = "Qwen3Moe-serve.yaml";
        Assert.That(plan.ExplainRow("model.layers.1.mlp")[1..4], Is.EqualTo(new[] { "Qwen3MoeSparseMoeBlock", $"{file}:40", "KQwen3MoeSparseMoeBlock" }));
        Assert.That(plan.ExplainRow("model.layers.1.self_attn.q_norm")[1..4], Is.EqualTo(new[] { "Qwen3MoeRMSNorm", $"{file}:81", "RMSNorm" }));
        // KTransformers' Qwen3-MoE attention uses Qwen2-MoE's rotary class, which its rule file matches.
        Assert.That(plan.ExplainRow("model.layers.1.self_attn.rotary_emb")[1..4], Is.EqualTo(new[] { "Qwen2MoeRotaryEmbedding", $"{file}:1", "RotaryEmbedding" }));
        Assert.That(plan.ExplainRow("model.layers.1.self_attn")[1..4], Is.EqualTo(new[] { "Qwen3MoeAttention", $"{file}:60", "MultiHeadAttention" }));
        // Qwen3-MoE has no dense MLP: the Qwen3MoeMLP rule finds nothing, which explain reports.
        Assert.That(plan.Warnings, Has.One.StartWith($"{file}:89 (rule 10): rule matched no module"));
    }

    [Test]
    public void Fp8Rules_AreRefused_WithTheReason()
    {
        var e = Assert.Throws<InjectionException>(() => InferenceModel.CreatePlan(RepoPaths.RequireTestData("models/tiny-deepseek3-f32.gguf"),
            Fallback("DeepSeek-V3-Chat-fp8-linear-ggml-experts.yaml")));
        Assert.That(e!.Message, Does.StartWith("DeepSeek-V3-Chat-fp8-linear-ggml-experts.yaml:8 (rule 2): linear op 'KLinearFP8' multiplies FP8 weights")
                                    .And.Not.Contain("\n"));
    }

    /// <summary>Mixtral.yaml (which did not parse before: its class MixtralRotaryEmbedding was unknown) on a synthetic Mixtral.</summary>
    [Test]
    public void MixtralRules_PlanEveryModule_AndComputeWhatTheDefaultsCompute()
    {
        string dir = Directory.CreateTempSubdirectory("ni-mixtral-").FullName;
        try
        {
            string path = Path.Combine(dir, "mixtral.gguf");
            SyntheticModelWriter.Write(LlamaSyntheticSpec.TinyMixtral(300).WithAllTypes(GgmlType.Q8_0), path);
            using InferenceModel ruled = InferenceModel.Load(path, Fallback("Mixtral.yaml"));
            Assert.That(ruled.Plan.ExplainRow("model.layers.1.block_sparse_moe")[1..4], Is.EqualTo(new[] { "MixtralSparseMoeBlock", "Mixtral.yaml:28", "KMistralSparseMoEBlock" }));
            Assert.That(ruled.Plan.ExplainRow("model.layers.1.self_attn.rotary_emb")[1..4], Is.EqualTo(new[] { "MixtralRotaryEmbedding", "Mixtral.yaml:1", "RotaryEmbedding" }));
            Assert.That(ruled.Plan.Entries.Count, Is.EqualTo(ruled.Tree.Descendants().Count()));
            using InferenceModel plain = InferenceModel.Load(path);
            int[] tokens = [5, 17, 200, 42, 99];
            float[] Logits(InferenceModel model)
            {
                using InferenceSession s = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 16 });
                var logits = new float[tokens.Length * model.Config.VocabSize];
                s.ForwardAll(tokens, logits);
                return logits;
            }
            Assert.That(Logits(ruled), Is.EqualTo(Logits(plain)), "the rules choose the same CPU operators as the defaults");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
