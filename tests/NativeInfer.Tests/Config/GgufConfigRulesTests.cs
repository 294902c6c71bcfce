using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;

namespace NativeInfer.Tests.Config;

/// <summary>
/// The GGUF builders' rules on metadata the test writes: each documented key, default and layout, and
/// malformed or inconsistent metadata failing with a ModelConfigException that names the key and the source.
/// </summary>
public class GgufConfigRulesTests
{
    [Test]
    public void DeepseekV2_SplitKvbLayout_ReadsHeadDimsFromMlaKeys()
    {
        // Newer converters (split attn_k_b / attn_v_b) write the absorbed view in key/value_length:
        // r + d_r = 64 + 16 and r, and the real head dims in *_mla.
        var w = SyntheticGguf.DeepseekV2Lite()
            .Set("deepseek2.attention.key_length", x => x.AddUInt32("deepseek2.attention.key_length", 80))
            .Set("deepseek2.attention.value_length", x => x.AddUInt32("deepseek2.attention.value_length", 64))
            .Set("deepseek2.attention.head_count_kv", x => x.AddUInt32("deepseek2.attention.head_count_kv", 1));
        w.AddUInt32("deepseek2.attention.key_length_mla", 48);
        w.AddUInt32("deepseek2.attention.value_length_mla", 32);
        AttentionConfig a = SyntheticGguf.Build(w).Attention;
        Assert.That((a.QkNopeHeadDim, a.QkRopeHeadDim, a.VHeadDim, a.NumKvHeads), Is.EqualTo((32, 16, 32, 4)), "head_count_kv is not read for MLA");

        w.Set("deepseek2.attention.key_length", x => x.AddUInt32("deepseek2.attention.key_length", 48));
        var e = SyntheticGguf.Fails(w);
        Assert.That(e.Message, Does.Contain("deepseek2.attention.key_length").And.Contain("expected kv_lora_rank + rope.dimension_count = 80"));
        Assert.That(e.Key, Is.EqualTo("deepseek2.attention.key_length"));
        Assert.That(e.SourceDescription, Is.EqualTo(SyntheticGguf.Name));
    }

    [Test]
    public void DeepseekV2_GroupsSigmoidAndNorm()
    {
        var w = SyntheticGguf.DeepseekV2Lite()
            .Set("deepseek2.expert_gating_func", x => x.AddUInt32("deepseek2.expert_gating_func", 2))
            .Set("deepseek2.expert_weights_norm", x => x.AddBool("deepseek2.expert_weights_norm", true))
            .Set("deepseek2.expert_weights_scale", x => x.AddFloat32("deepseek2.expert_weights_scale", 2.5f));
        w.AddUInt32("deepseek2.expert_group_count", 4);
        w.AddUInt32("deepseek2.expert_group_used_count", 2);
        // Tensors listed without blk.N.exp_probs_b: DeepSeek's MoEGate without a bias scores a group by its best expert.
        MoeConfig m = SyntheticGguf.Build(w, ["token_embd.weight", "blk.1.ffn_gate_inp.weight"]).Moe!;
        Assert.That((m.Routing, m.NumGroups, m.TopKGroups, m.SelectionBias), Is.EqualTo((RoutingMethod.GroupLimitedGreedy, 4, 2, false)));
        Assert.That((m.Scoring, m.NormalizeTopKProbabilities, m.RoutedScalingFactor), Is.EqualTo((ScoringFunction.Sigmoid, true, 2.5f)));

        // With the bias tensor (DeepSeek-V3): noaux_tc, a group scored by its two best biased scores.
        m = SyntheticGguf.Build(w, ["token_embd.weight", "blk.1.ffn_gate_inp.weight", "blk.1.exp_probs_b.bias"]).Moe!;
        Assert.That((m.Routing, m.SelectionBias), Is.EqualTo((RoutingMethod.NoAuxTopKGroups, true)));

        // Metadata alone (no tensor list): sigmoid gating is DeepSeek-V3's, which always has the bias.
        m = SyntheticGguf.Build(w).Moe!;
        Assert.That((m.Routing, m.SelectionBias), Is.EqualTo((RoutingMethod.NoAuxTopKGroups, true)));
    }

    [Test]
    public void DeepseekV2_AbsentOptionalKeys_TakeDocumentedDefaults()
    {
        var w = SyntheticGguf.DeepseekV2Lite();
        foreach (string k in (string[])["expert_weights_norm", "expert_gating_func", "expert_weights_scale", "rope.freq_base", "vocab_size"])
            w.Remove("deepseek2." + k);
        w.AddStringArray("tokenizer.ggml.tokens", Enumerable.Range(0, 300).Select(i => $"t{i}"));
        ModelConfig c = SyntheticGguf.Build(w);
        Assert.That((c.Moe!.NormalizeTopKProbabilities, c.Moe.Scoring, c.Moe.RoutedScalingFactor, c.Moe.Routing), Is.EqualTo((false, ScoringFunction.Softmax, 1f, RoutingMethod.Greedy)));
        Assert.That((c.Rope.Base, c.VocabSize), Is.EqualTo((10000f, 300)), "freq_base 10000; vocabulary = length of tokenizer.ggml.tokens");
    }

    [Test]
    public void DeepseekV2_GroupCountOne_IsPlainGreedy()
    {
        var w = SyntheticGguf.DeepseekV2Lite();
        w.AddUInt32("deepseek2.expert_group_count", 1);
        w.AddUInt32("deepseek2.expert_group_used_count", 1);
        Assert.That(SyntheticGguf.Build(w).Moe!.Routing, Is.EqualTo(RoutingMethod.Greedy));
    }

    [Test]
    public void TiedEmbeddings_InferredOnlyFromAKnownNonEmptyTensorList()
    {
        var w = SyntheticGguf.DeepseekV2Lite();
        Assert.That(SyntheticGguf.Build(w, ["token_embd.weight", "output_norm.weight"]).TiedEmbeddings, Is.True);
        Assert.That(SyntheticGguf.Build(w, ["token_embd.weight", "output.weight"]).TiedEmbeddings, Is.False);
        Assert.That(SyntheticGguf.Build(w, []).TiedEmbeddings, Is.False, "an empty list (vocabulary-only file) says nothing");
        Assert.That(SyntheticGguf.Build(w, null).TiedEmbeddings, Is.False, "unknown tensors");
    }

    [TestCase("deepseek2.attention.kv_lora_rank", "is missing")]
    [TestCase("deepseek2.leading_dense_block_count", "is missing")]
    [TestCase("deepseek2.expert_feed_forward_length", "is missing")]
    [TestCase("deepseek2.rope.scaling.original_context_length", "is missing")]
    [TestCase("deepseek2.attention.layer_norm_rms_epsilon", "is missing")]
    public void DeepseekV2_MissingRequiredKey_NamesKeyAndSource(string key, string problem)
    {
        var w = SyntheticGguf.DeepseekV2Lite();
        w.Remove(key);
        var e = SyntheticGguf.Fails(w);
        Assert.That(e.Message, Does.StartWith(SyntheticGguf.Name).And.Contain($"'{key}' {problem}"));
        Assert.That(e.Key, Is.EqualTo(key));
    }

    [TestCase("deepseek2.rope.freq_base", 1e-45f, "RoPE base must be in [1.0001, 1e12]")]
    [TestCase("deepseek2.rope.freq_base", 1e30f, "RoPE base must be in [1.0001, 1e12]")]
    [TestCase("deepseek2.rope.scaling.factor", 1e38f, "YaRN factor must be in [1, 65536]")]
    [TestCase("deepseek2.rope.scaling.yarn_log_multiplier", 1e38f, "YaRN mscale and mscale_all_dim must be in [0, 1000]")]
    [TestCase("deepseek2.rope.scaling.yarn_log_multiplier", -1f, "YaRN mscale and mscale_all_dim must be in [0, 1000]")]
    [TestCase("deepseek2.rope.scaling.yarn_beta_fast", 1e38f, "YaRN beta_fast and beta_slow must be in (0, 65536]")]
    [TestCase("deepseek2.rope.scaling.yarn_beta_slow", 0f, "YaRN beta_fast and beta_slow must be in (0, 65536]")]
    [TestCase("deepseek2.attention.layer_norm_rms_epsilon", 1e38f, "norm epsilon must be in [1e-30, 1]")]
    [TestCase("deepseek2.expert_weights_scale", 1e38f, "routed scaling factor must be in (0, 1000]")]
    public void FloatsOutsideSaneBounds_AreRefused(string key, float value, string problem)
    {
        var e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set(key, x => x.AddFloat32(key, value)));
        Assert.That(e.Message, Does.StartWith(SyntheticGguf.Name).And.Contain(problem));
    }

    [Test]
    public void WrongTypes_AndOutOfRangeValues_NameTheKey()
    {
        var e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set("deepseek2.block_count", x => x.AddString("deepseek2.block_count", "27")));
        Assert.That(e.Message, Does.Contain("deepseek2.block_count").And.Contain(SyntheticGguf.Name));
        Assert.That(e.InnerException, Is.TypeOf<GgufMetadataException>());

        e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set("deepseek2.expert_count", x => x.AddInt32("deepseek2.expert_count", -8)));
        Assert.That(e.Message, Does.Contain("'deepseek2.expert_count' is -8, expected an integer in [1, 2147483647]"));

        e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set("deepseek2.block_count", x => x.AddUInt64("deepseek2.block_count", 1UL << 40)));
        Assert.That(e.Message, Does.Contain("'deepseek2.block_count' is 1099511627776"));

        e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set("deepseek2.expert_gating_func", x => x.AddUInt32("deepseek2.expert_gating_func", 7)));
        Assert.That(e.Message, Does.Contain("'deepseek2.expert_gating_func' is 7, expected 1 (softmax) or 2 (sigmoid)"));

        e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set("deepseek2.rope.scaling.type", x => x.AddString("deepseek2.rope.scaling.type", "ntk")));
        Assert.That(e.Message, Does.Contain("'deepseek2.rope.scaling.type' is 'ntk', expected none, linear or yarn"));
    }

    [Test]
    public void InconsistentMetadata_IsRefusedWithTheKey()
    {
        // key_length no larger than the RoPE part leaves nothing for q_nope.
        var e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set("deepseek2.attention.key_length", x => x.AddUInt32("deepseek2.attention.key_length", 16)));
        Assert.That(e.Message, Does.Contain("'deepseek2.attention.key_length' is 16"));

        var w = SyntheticGguf.DeepseekV2Lite().Set("deepseek2.vocab_size", x => x.AddUInt32("deepseek2.vocab_size", 10));
        w.AddStringArray("tokenizer.ggml.tokens", Enumerable.Range(0, 12).Select(i => $"t{i}"));
        e = SyntheticGguf.Fails(w);
        Assert.That(e.Message, Does.Contain("'deepseek2.vocab_size' is 10 but tokenizer.ggml.tokens holds 12 tokens"));

        // Passes the builder, fails ModelConfig.Validate: the message still names the source.
        e = SyntheticGguf.Fails(SyntheticGguf.DeepseekV2Lite().Set("deepseek2.expert_used_count", x => x.AddUInt32("deepseek2.expert_used_count", 9)));
        Assert.That(e.Message, Does.StartWith(SyntheticGguf.Name).And.Contain("experts per token must be in [1, 8] (got 9)"));

        e = SyntheticGguf.Fails(SyntheticGguf.Llama().Set("llama.attention.head_count", x => x.AddUInt32("llama.attention.head_count", 7)));
        Assert.That(e.Message, Does.Contain("'llama.attention.key_length' is absent and llama.embedding_length = 256 is not a multiple of llama.attention.head_count = 7"));
    }

    [Test]
    public void Llama_GenericKeysAndDefaults()
    {
        ModelConfig c = SyntheticGguf.Build(SyntheticGguf.Llama(), out string builder);
        Assert.That(builder, Is.EqualTo("gguf:llama"));
        Assert.That(c.Attention, Is.EqualTo(new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 8, NumKvHeads = 2, HeadDim = 32, ValueHeadDim = 32 }));
        Assert.That(c.Rope, Is.EqualTo(new RopeConfig { Base = 500000, Dimensions = 32, Style = RopeStyle.AdjacentPairs }));
        Assert.That((c.IntermediateSize, c.Moe, c.ContextLength, c.BosTokenId), Is.EqualTo((512, (MoeConfig?)null, 2048, (int?)null)));
    }

    [Test]
    public void Llama_LinearAndYarnScaling()
    {
        var w = SyntheticGguf.Llama();
        w.AddString("llama.rope.scaling.type", "linear");
        w.AddFloat32("llama.rope.scaling.factor", 4);
        Assert.That(SyntheticGguf.Build(w).Rope.Scaling, Is.EqualTo(new RopeScaling { Type = RopeScalingType.Linear, Factor = 4 }));

        w = SyntheticGguf.Llama();
        w.AddString("llama.rope.scaling.type", "yarn");
        w.AddFloat32("llama.rope.scaling.factor", 8);
        w.AddUInt32("llama.rope.scaling.original_context_length", 1024);
        w.AddFloat32("llama.rope.scaling.yarn_log_multiplier", 0.5f);
        w.AddFloat32("llama.rope.scaling.yarn_beta_fast", 16);
        // Outside deepseek2 the multiplier is mscale_all_dim itself and mscale is 1 (llama.cpp since PR 17945).
        Assert.That(SyntheticGguf.Build(w).Rope.Scaling, Is.EqualTo(new RopeScaling
            { Type = RopeScalingType.Yarn, Factor = 8, OriginalContextLength = 1024, BetaFast = 16, BetaSlow = 1, MScale = 1, MScaleAllDim = 0.5f }));
    }

    [Test]
    public void LlamaWithExperts_IsMixtral_AtSpecializedPriority()
    {
        var w = SyntheticGguf.Llama();
        w.AddUInt32("llama.expert_count", 8);
        w.AddUInt32("llama.expert_used_count", 2);
        ModelConfig c = SyntheticGguf.Build(w, out string builder);
        Assert.That(builder, Is.EqualTo("gguf:mixtral"));
        Assert.That(c.Moe, Is.EqualTo(new MoeConfig
            { NumExperts = 8, ExpertsPerToken = 2, ExpertIntermediateSize = 512, NormalizeTopKProbabilities = true }), "experts as wide as feed_forward_length, renormalised");

        var withoutMixtral = new ModelConfigBuilders();
        withoutMixtral.Unregister("gguf:mixtral");
        var e = Assert.Throws<ModelConfigException>(() => SyntheticGguf.Build(w, out _, null, withoutMixtral))!;
        Assert.That(e.Message, Does.Contain("'llama.expert_count' is set: a llama file with experts is Mixtral"));
    }

    [Test]
    public void Qwen2Dense_NeoxAndBiases()
    {
        ModelConfig c = SyntheticGguf.Build(SyntheticGguf.Llama("qwen2"), out string builder);
        Assert.That(builder, Is.EqualTo("gguf:qwen2"));
        Assert.That((c.Rope.Style, c.Attention.QkvBias, c.Architecture), Is.EqualTo((RopeStyle.Neox, true, "qwen2")));
    }

    [Test]
    public void Qwen2Moe_WithoutExpertWidthKeys_UsesLlamaCppFallbacks()
    {
        var w = SyntheticGguf.Llama("qwen2moe");
        w.AddUInt32("qwen2moe.expert_count", 8);
        w.AddUInt32("qwen2moe.expert_used_count", 4);
        MoeConfig m = SyntheticGguf.Build(w).Moe!;
        Assert.That((m.ExpertIntermediateSize, m.SharedIntermediateSize), Is.EqualTo((512 / 4, 512)), "n_ff / n_expert_used and n_ff");
    }

    [Test]
    public void UnknownArchitecture_WithGenericKeys_UsesDefaultBuilder()
    {
        ModelConfig c = SyntheticGguf.Build(SyntheticGguf.Llama("internlm2"), out string builder, ["token_embd.weight", "blk.0.attn_q.bias"]);
        Assert.That(builder, Is.EqualTo("gguf:default"));
        Assert.That((c.Architecture, c.Attention.QkvBias, c.Rope.Style, c.TiedEmbeddings), Is.EqualTo(("internlm2", true, RopeStyle.AdjacentPairs, true)));

        var w = SyntheticGguf.Llama("grok");
        w.AddUInt32("grok.expert_count", 8);
        var e = SyntheticGguf.Fails(w);
        Assert.That(e.Message, Does.Contain("'grok.expert_count' is set: the default builder makes dense decoders only"));
    }

    [Test]
    public void UnknownArchitecture_WithoutGenericKeys_NoBuilder_ListsWhatExists()
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "mamba");
        var e = SyntheticGguf.Fails(w);
        Assert.That(e.Message, Does.Contain("no config builder for Gguf architecture 'mamba'")
            .And.Contain("gguf:deepseek2").And.Contain("gguf:default").And.Contain("built-in architectures: GGUF deepseek2, qwen2moe"));

        var none = SyntheticGguf.Fails(new GgufWriter());
        Assert.That(none.Message, Does.Contain("'general.architecture' is missing"));
    }
}
