using NativeInfer.Injection;
using NativeInfer.Runtime;
using NativeInfer.Tests.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// KTransformers' own rule files (../shared/testdata/rules, byte for byte as it ships them) on the
/// matching tiny models: without the CPU fallback they fail naming the first rule that wants CUDA; with
/// it, every module is planned (rule file:line → operator → cpu) and the model still matches
/// llama.cpp's logits.
/// </summary>
[NonParallelizable]
public class KTransformersRuleFileTests
{
    private const string DeepseekRules = "ktransformers-DeepSeek-V2-Lite-Chat.yaml";
    private const string QwenRules = "ktransformers-Qwen2-57B-A14B-Instruct.yaml";

    private static string Rules(string name) => RepoPaths.RequireTestData("rules/" + name);

    private static ModelOptions Fallback(string rules) => new() { RulesPath = Rules(rules), Injection = new InjectionOptions { FallbackToCpu = true } };

    [TestCase("tiny-deepseek2-lite-f32", DeepseekRules, "ktransformers-DeepSeek-V2-Lite-Chat.yaml:49 (rule 6): model.layers.0.self_attn is placed on cuda:0")]
    [TestCase("tiny-qwen2moe-f32", QwenRules, "ktransformers-Qwen2-57B-A14B-Instruct.yaml:61 (rule 8): model.layers.0.input_layernorm is placed on cuda:0")]
    public void Load_WithoutFallback_FailsNamingTheRuleThatWantsCuda(string model, string rules, string expected)
    {
        CudaRequirement.NoUsableDevice();
        string gguf = RepoPaths.RequireTestData($"models/{model}.gguf");
        var e = Assert.Throws<InjectionException>(() => InferenceModel.Load(gguf, new ModelOptions { RulesPath = Rules(rules) }));
        Assert.That(e!.Message, Does.StartWith(expected).And.Contain("not available").And.Contain("--cpu-fallback"));
    }

    [Test]
    public void DeepseekRules_WithFallback_ExplainNamesRuleOperatorAndDeviceOfEveryModule()
    {
        CudaRequirement.NoUsableDevice();
        InjectionPlan plan = InferenceModel.CreatePlan(RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.gguf"), Fallback(DeepseekRules));
        string explain = plan.Explain();
        TestContext.Out.WriteLine(explain);
        Assert.That(explain.Split('\n').Count(l => l.Length > 0 && !l.StartsWith("warning: ", StringComparison.Ordinal)) - 1,
            Is.EqualTo(plan.Root.Descendants().Count()), "one row per module");
        const string fallback = "cpu (rule asked for cuda:0; CPU fallback)";

        // The experts rule (line 38): KExpertsCPU for generation as written; KExpertsTorch for prefill is our KExpertsCPU.
        PlannedOperator experts = plan.Entry("model.layers.1.mlp.experts");
        Assert.That((experts.GenerateOp, experts.PrefillOp, experts.Rule!.Recursive), Is.EqualTo(("KExpertsCPU", "KExpertsCPU", false)));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.experts"),
            Is.EqualTo(new[] { "model.layers.1.mlp.experts", "Experts", $"{DeepseekRules}:38", "KTransformersExperts (KExpertsCPU)", "KTransformersExperts", fallback }));

        // The Linear rule's lookahead skips kv_b_proj, which no other rule matches: the attention operator reads it.
        Assert.That(plan.ExplainRow("model.layers.3.self_attn.kv_b_proj"), Is.EqualTo(new[] { "model.layers.3.self_attn.kv_b_proj", "Linear", "default", "-" }));
        Assert.That(plan.ExplainRow("model.layers.3.self_attn.q_proj"),
            Is.EqualTo(new[] { "model.layers.3.self_attn.q_proj", "Linear", $"{DeepseekRules}:8", "KTransformersLinear (KLinearCPU)", "KTransformersLinear", fallback }));
        PlannedOperator q = plan.Entry("model.layers.3.self_attn.q_proj");
        Assert.That((q.GenerateOp, q.PrefillOp), Is.EqualTo(("KLinearCPU", "KLinearCPU")), "KLinearMarlin falls back to KLinearCPU, KLinearTorch is KLinearCPU");

        Assert.That(plan.ExplainRow("model.layers.0.self_attn.rotary_emb"),
            Is.EqualTo(new[] { "model.layers.0.self_attn.rotary_emb", "DeepseekV2YarnRotaryEmbedding", $"{DeepseekRules}:1", "YarnRotaryEmbedding", "RotaryEmbeddingOperator", fallback }));
        Assert.That(plan.ExplainRow("lm_head"), Is.EqualTo(new[] { "lm_head", "Linear", $"{DeepseekRules}:19", "KTransformersLinear (KLinearCPU)", "KTransformersLinear", fallback }));
        Assert.That(plan.ExplainRow("model.layers.26.mlp"),
            Is.EqualTo(new[] { "model.layers.26.mlp", "DeepseekV2MoE", $"{DeepseekRules}:30", "KDeepseekV2MoE", "SparseMoeOperator", fallback }));
        Assert.That(plan.ExplainRow("model.layers.5.self_attn"),
            Is.EqualTo(new[] { "model.layers.5.self_attn", "DeepseekV2Attention", $"{DeepseekRules}:49", "KDeepseekV2Attention", "KDeepseekV2Attention", fallback }));
        Assert.That(plan.ExplainRow("model"), Is.EqualTo(new[] { "model", "DeepseekV2Model", $"{DeepseekRules}:56", "KDeepseekV2Model", "DecoderStackOperator", "cpu" }));
        Assert.That(plan.ExplainRow("model.embed_tokens"), Is.EqualTo(new[] { "model.embed_tokens", "Embedding", $"{DeepseekRules}:62", "Embedding", "EmbeddingOperator", "cpu" }));
        // Layer 0 is dense: the MoE rule's class test excludes it, the Linear rule takes its projections.
        Assert.That(plan.ExplainRow("model.layers.0.mlp"), Is.EqualTo(new[] { "model.layers.0.mlp", "DeepseekV2MLP", "default", "MLP", "MlpOperator", "cpu" }));
        Assert.That(plan.ExplainRow("model.layers.0.mlp.gate_proj")[2], Is.EqualTo($"{DeepseekRules}:8"));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.gate"), Is.EqualTo(new[] { "model.layers.1.mlp.gate", "MoEGate", "default", "KMoEGate", "MoEGateOperator", "cpu" }));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.shared_experts.down_proj")[2], Is.EqualTo($"{DeepseekRules}:8"));

        // Every rule decides something; the six CUDA rules each report their fallback once.
        Assert.That(plan.Warnings, Has.None.Contains("no module"));
        Assert.That(plan.Warnings, Has.Count.EqualTo(6).And.All.Contains("on the CPU instead (fallback: cuda:0 is not available"));
        Assert.That(plan.Warnings, Has.Some.StartWith($"{DeepseekRules}:38 (rule 5): 26 modules placed on cuda:0 run on the CPU instead (fallback: "));
    }

    [Test]
    public void QwenRules_WithFallback_ExplainNamesRuleOperatorAndDeviceOfEveryModule()
    {
        CudaRequirement.NoUsableDevice();
        InjectionPlan plan = InferenceModel.CreatePlan(RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf"), Fallback(QwenRules));
        TestContext.Out.WriteLine(plan.Explain());
        const string fallback = "cpu (rule asked for cuda:0; CPU fallback)";
        Assert.That(plan.ExplainRow("model.layers.2.mlp.experts"),
            Is.EqualTo(new[] { "model.layers.2.mlp.experts", "Experts", $"{QwenRules}:36", "KTransformersExperts (KExpertsCPU)", "KTransformersExperts", fallback }));
        Assert.That(plan.ExplainRow("model.layers.2.mlp"),
            Is.EqualTo(new[] { "model.layers.2.mlp", "Qwen2MoeSparseMoeBlock", $"{QwenRules}:28", "KQwen2MoeSparseMoeBlock", "SparseMoeOperator", fallback }));
        // The router and the shared-expert gate are Linears: the Linear rule (line 8) takes them.
        Assert.That(plan.ExplainRow("model.layers.1.mlp.gate")[2..4], Is.EqualTo(new[] { $"{QwenRules}:8", "KTransformersLinear (KLinearCPU)" }));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.shared_expert_gate")[2], Is.EqualTo($"{QwenRules}:8"));
        Assert.That(plan.ExplainRow("model.layers.1.self_attn.k_proj")[2], Is.EqualTo($"{QwenRules}:8"));
        // The last rule ("^model\.layers\..*\.", default) takes what is left inside the layers.
        Assert.That(plan.ExplainRow("model.layers.1.self_attn"),
            Is.EqualTo(new[] { "model.layers.1.self_attn", "Qwen2MoeAttention", $"{QwenRules}:61", "MultiHeadAttention", "MultiHeadAttentionOperator", fallback }));
        Assert.That(plan.ExplainRow("model.layers.1.mlp.shared_expert"),
            Is.EqualTo(new[] { "model.layers.1.mlp.shared_expert", "Qwen2MoeMLP", $"{QwenRules}:61", "MLP", "MlpOperator", fallback }));
        Assert.That(plan.ExplainRow("model.layers.1.post_attention_layernorm")[2..4], Is.EqualTo(new[] { $"{QwenRules}:61", "RMSNorm" }));
        Assert.That(plan.ExplainRow("model.layers.1.self_attn.rotary_emb")[2..4], Is.EqualTo(new[] { $"{QwenRules}:1", "RotaryEmbedding" }));
        // "model.layers.1" has no trailing dot for the last rule; the final norm is outside the layers.
        Assert.That(plan.ExplainRow("model.layers.1"), Is.EqualTo(new[] { "model.layers.1", "Qwen2MoeDecoderLayer", "default", "DecoderLayer", "DecoderLayerOperator", "cpu" }));
        Assert.That(plan.ExplainRow("model.norm"), Is.EqualTo(new[] { "model.norm", "Qwen2MoeRMSNorm", "default", "RMSNorm", "RmsNormOperator", "cpu" }));
        Assert.That(plan.ExplainRow("model")[2..4], Is.EqualTo(new[] { $"{QwenRules}:48", "KQwen2MoeModel" }));
        Assert.That(plan.Warnings, Has.None.Contains("no module"));
    }

    [TestCase("tiny-deepseek2-lite-f32", DeepseekRules)]
    [TestCase("tiny-qwen2moe-f32", QwenRules)]
    public void Load_WithFallback_MatchesReferenceLogits(string model, string rules)
    {
        var (m, reference) = ReferenceModelTests.Load(model, Fallback(rules));
        using (m)
        {
            Assert.That(m.Plan.Rules, Has.Count.EqualTo(8));
            Assert.That(m.Operators["model.layers.1.mlp.experts"], Is.TypeOf<NativeInfer.Operators.KTransformersExperts>());
            reference.AssertWithinTolerance(ReferenceModelTests.RunAndCompare(m, reference));
        }
    }

    [Test]
    public void DeepseekRules_OnTheOtherDeepseekModel_AlsoLoadAndMatch()
    {
        // tiny-deepseek2 has q-LoRA (q_a_proj, q_a_layernorm, q_b_proj): the same KTransformers file covers it.
        var (m, reference) = ReferenceModelTests.Load("tiny-deepseek2-f32", Fallback(DeepseekRules));
        using (m)
        {
            Assert.That(m.Plan.Entry("model.layers.2.self_attn.q_a_proj").Line(), Is.EqualTo(8));
            reference.AssertWithinTolerance(ReferenceModelTests.RunAndCompare(m, reference));
        }
    }
}
