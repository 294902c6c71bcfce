using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Formats;

namespace NativeInfer.Tests.Config;

/// <summary>The built-in config.json builders on published configs; expected values are read off the JSON by hand.</summary>
public class HfConfigBuilderTests
{
    private static ModelConfig Build(string json, out string builder)
    {
        ModelConfig c = new ModelConfigBuilders().Build(ModelSource.FromConfig(HuggingFaceConfig.Parse(json, "config.json")), out IModelConfigBuilder b);
        builder = b.Name;
        return c;
    }

    private static ModelConfig Build(string json) => Build(json, out _);

    private static ModelConfigException Fails(string json) =>
        Assert.Throws<ModelConfigException>(() => Build(json))!;

    [Test]
    public void DeepseekV2Lite_NullQLora_Greedy_Yarn()
    {
        ModelConfig c = Build(HfConfigs.DeepseekV2Lite, out string builder);
        Assert.That(builder, Is.EqualTo("hf:deepseek_v2"));
        Assert.That(c, Is.EqualTo(new ModelConfig
        {
            Architecture = "DeepseekV2ForCausalLM", BuiltBy = "hf:deepseek_v2",
            HiddenSize = 2048, NumLayers = 27, VocabSize = 102400, ContextLength = 163840, NormEps = 1e-6f,
            TiedEmbeddings = false, BosTokenId = 100000, EosTokenId = 100001,
            Attention = new AttentionConfig
            {
                Kind = AttentionKind.MultiHeadLatent, NumHeads = 16, NumKvHeads = 16, QLoraRank = null, KvLoraRank = 512,
                QkNopeHeadDim = 128, QkRopeHeadDim = 64, VHeadDim = 128,
            },
            // Stored q_pe / k_pe are interleaved (modeling_deepseek.py de-interleaves before rotate_half): adjacent pairs.
            Rope = new RopeConfig
            {
                Base = 10000, Dimensions = 64, Style = RopeStyle.AdjacentPairs,
                Scaling = new RopeScaling { Type = RopeScalingType.Yarn, Factor = 40, OriginalContextLength = 4096, BetaFast = 32, BetaSlow = 1, MScale = 0.707f, MScaleAllDim = 0.707f },
            },
            IntermediateSize = 10944,
            // n_shared_experts 2 × moe_intermediate_size 1408 = 2816.
            Moe = new MoeConfig
            {
                NumExperts = 64, ExpertsPerToken = 6, ExpertIntermediateSize = 1408, NumSharedExperts = 2, SharedIntermediateSize = 2816,
                LeadingDenseBlocks = 1, LayerFrequency = 1, Routing = RoutingMethod.Greedy, NumGroups = 1, TopKGroups = 1,
                Scoring = ScoringFunction.Softmax, NormalizeTopKProbabilities = false, RoutedScalingFactor = 1,
            },
        }));
    }

    [Test]
    public void DeepseekV2_QLora_GroupLimitedGreedy_Scale16()
    {
        ModelConfig c = Build(HfConfigs.DeepseekV2);
        Assert.That((c.Attention.QLoraRank, c.Attention.NumHeads, c.HiddenSize, c.NumLayers), Is.EqualTo(((int?)1536, 128, 5120, 60)));
        MoeConfig m = c.Moe!;
        Assert.That((m.Routing, m.NumGroups, m.TopKGroups), Is.EqualTo((RoutingMethod.GroupLimitedGreedy, 8, 3)));
        Assert.That((m.NumExperts, m.ExpertsPerToken, m.SharedIntermediateSize, m.RoutedScalingFactor), Is.EqualTo((160, 6, 2 * 1536, 16f)));
    }

    [Test]
    public void DeepseekV2_QLoraMustBeWritten_NullMeansNone()
    {
        string without = HfConfigs.DeepseekV2Lite.Replace("\"q_lora_rank\": null, ", "");
        Assert.That(Fails(without).Message, Does.Contain("'q_lora_rank' is missing (expected an integer, or null for a model without q-LoRA)"));
    }

    [Test]
    public void DeepseekV2_WithoutRoutedExperts_IsDense()
    {
        ModelConfig c = Build(HfConfigs.DeepseekV2Lite.Replace("\"n_routed_experts\": 64", "\"n_routed_experts\": null"));
        Assert.That(c.Moe, Is.Null);
        Assert.That(c.IsMoeLayer(5), Is.False);
    }

    [TestCase("\"topk_method\": \"greedy\"", "\"topk_method\": \"noaux_tc\"", "'topk_method' is 'noaux_tc', expected greedy or group_limited_greedy")]
    [TestCase("\"scoring_func\": \"softmax\"", "\"scoring_func\": \"relu\"", "'scoring_func' is 'relu', expected softmax or sigmoid")]
    [TestCase("\"type\": \"yarn\"", "\"type\": \"dynamic\"", "'rope_scaling.type' is 'dynamic'; supported RoPE scaling: linear, yarn")]
    [TestCase("\"factor\": 40,", "\"factor\": \"40\",", "rope_scaling.factor")]
    [TestCase("\"hidden_size\": 2048,", "", "'hidden_size' is missing")]
    [TestCase("\"num_experts_per_tok\": 6", "\"num_experts_per_tok\": -6", "'num_experts_per_tok' is -6")]
    public void DeepseekV2_MalformedKeys_AreNamed(string from, string to, string message)
    {
        string json = HfConfigs.DeepseekV2Lite.Replace(from, to);
        Assert.That(json, Is.Not.EqualTo(HfConfigs.DeepseekV2Lite));
        var e = Fails(json);
        Assert.That(e.Message, Does.StartWith("config.json").And.Contain(message));
    }

    [Test]
    public void Qwen15Moe_EveryLayerSparse_SigmoidGatedSharedExpert()
    {
        ModelConfig c = Build(HfConfigs.Qwen15MoeA27B, out string builder);
        Assert.That(builder, Is.EqualTo("hf:qwen2_moe"));
        Assert.That(c.Attention, Is.EqualTo(new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 16, NumKvHeads = 16, HeadDim = 128, ValueHeadDim = 128, QkvBias = true }));
        Assert.That(c.Rope, Is.EqualTo(new RopeConfig { Base = 1e6f, Dimensions = 128, Style = RopeStyle.Neox }));
        Assert.That(c.Moe, Is.EqualTo(new MoeConfig
        {
            NumExperts = 60, ExpertsPerToken = 4, ExpertIntermediateSize = 1408, NumSharedExperts = 1, SharedIntermediateSize = 5632,
            SharedGate = SharedExpertGate.Sigmoid, NormalizeTopKProbabilities = false,
        }));
        Assert.That((c.VocabSize, c.ContextLength, c.BosTokenId, c.EosTokenId), Is.EqualTo((151936, 8192, (int?)151643, (int?)151643)));
        Assert.That(Build(HfConfigs.Qwen15MoeA27B.Replace("\"norm_topk_prob\": false", "\"norm_topk_prob\": true")).Moe!.NormalizeTopKProbabilities, Is.True);
    }

    [Test]
    public void Qwen2Moe_UnsupportedLayerLayouts_AreRefusedByName()
    {
        Assert.That(Fails(HfConfigs.Qwen15MoeA27B.Replace("\"decoder_sparse_step\": 1", "\"decoder_sparse_step\": 2")).Message,
            Does.Contain("'decoder_sparse_step' is 2; only 1"));
        Assert.That(Fails(HfConfigs.Qwen15MoeA27B.Replace("\"decoder_sparse_step\": 1", "\"decoder_sparse_step\": 1, \"mlp_only_layers\": [0, 3]")).Message,
            Does.Contain("'mlp_only_layers' lists 2 layer(s)"));
    }

    [Test]
    public void Mixtral_Renormalised_ExpertsAsWideAsIntermediate()
    {
        ModelConfig c = Build(HfConfigs.Mixtral8x7B, out string builder);
        Assert.That(builder, Is.EqualTo("hf:mixtral"));
        Assert.That(c.Moe, Is.EqualTo(new MoeConfig { NumExperts = 8, ExpertsPerToken = 2, ExpertIntermediateSize = 14336, NormalizeTopKProbabilities = true }));
        Assert.That((c.Attention.NumKvHeads, c.Attention.HeadDim, c.NormEps, c.Rope.Base), Is.EqualTo((8, 128, 1e-5f, 1e6f)));
    }

    [Test]
    public void Llama2_StandardKeys_NeoxNoBias()
    {
        ModelConfig c = Build(HfConfigs.Llama2_7B, out string builder);
        Assert.That(builder, Is.EqualTo("hf:llama"));
        Assert.That(c, Is.EqualTo(new ModelConfig
        {
            Architecture = "LlamaForCausalLM", BuiltBy = "hf:llama",
            HiddenSize = 4096, NumLayers = 32, VocabSize = 32000, ContextLength = 4096, NormEps = 1e-5f, BosTokenId = 1, EosTokenId = 2,
            Attention = new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 32, NumKvHeads = 32, HeadDim = 128, ValueHeadDim = 128 },
            // No rope_theta written: LlamaConfig's 10000. rope_scaling null = none.
            Rope = new RopeConfig { Base = 10000, Dimensions = 128, Style = RopeStyle.Neox },
            IntermediateSize = 11008,
        }));
    }

    [Test]
    public void Llama_ClassDefaults_Llama3ScalingAndBiasesRefused()
    {
        const string minimal = """{ "architectures": ["MistralForCausalLM"], "hidden_size": 512, "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2, "intermediate_size": 1024, "vocab_size": 100, "eos_token_id": [7, 8] }""";
        ModelConfig c = Build(minimal);
        // MistralConfig: max_position_embeddings 4096·32, rms_norm_eps 1e-6, bos 1; eos given as a list: the first.
        Assert.That((c.ContextLength, c.NormEps, c.BosTokenId, c.EosTokenId, c.Attention.HeadDim), Is.EqualTo((131072, 1e-6f, (int?)1, (int?)7, 64)));

        Assert.That(Fails(minimal.Replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"rope_scaling\": { \"rope_type\": \"llama3\", \"factor\": 8 }")).Message,
            Does.Contain("'rope_scaling.rope_type' is 'llama3'"));
        Assert.That(Fails(minimal.Replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"attention_bias\": true")).Message,
            Does.Contain("'attention_bias' is true"));
    }

    [Test]
    public void Qwen2Dense_BiasesAndTiedEmbeddings()
    {
        const string qwen2 = """{ "architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864, "vocab_size": 151936, "tie_word_embeddings": true, "rope_theta": 1000000.0, "max_position_embeddings": 32768, "rms_norm_eps": 1e-06 }""";
        ModelConfig c = Build(qwen2, out string builder);
        Assert.That(builder, Is.EqualTo("hf:qwen2"));
        Assert.That((c.Attention.QkvBias, c.TiedEmbeddings, c.Attention.HeadDim, c.Rope.Style, c.BosTokenId), Is.EqualTo((true, true, 64, RopeStyle.Neox, (int?)null)));
    }

    [Test]
    public void UnknownClass_WithStandardKeys_UsesDefaultBuilder_ExpertsRefused()
    {
        const string phi = """{ "architectures": ["InternLM2ForCausalLM"], "hidden_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 100, "attention_bias": true }""";
        ModelConfig c = Build(phi, out string builder);
        Assert.That(builder, Is.EqualTo("hf:default"));
        Assert.That((c.Architecture, c.Attention.QkvBias, c.Rope.Style), Is.EqualTo(("InternLM2ForCausalLM", true, RopeStyle.Neox)));
        Assert.That(Fails(phi.Replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"num_local_experts\": 4")).Message,
            Does.Contain("'num_local_experts' is set: the default builder makes dense decoders only"));
        Assert.That(Fails("""{ "architectures": ["MambaForCausalLM"], "hidden_size": 256 }""").Message,
            Does.Contain("no config builder for HuggingFace architecture 'MambaForCausalLM'").And.Contain("hf:default"));
        Assert.That(Fails("""{ "hidden_size": 256 }""").Message, Does.Contain("'architectures' is missing or empty"));
    }
}
