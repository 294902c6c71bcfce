using NativeInfer.Formats;

namespace NativeInfer.Tests.Formats;

/// <summary>HuggingFaceConfig on config.json content as the model repositories ship it.</summary>
public class HuggingFaceConfigTests
{
    // deepseek-ai/DeepSeek-V2-Lite config.json (abridged only in auto_map).
    private const string DeepSeekV2Lite = """
        {
          "architectures": ["DeepseekV2ForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "auto_map": {
            "AutoConfig": "configuration_deepseek.DeepseekV2Config",
            "AutoModelForCausalLM": "modeling_deepseek.DeepseekV2ForCausalLM"
          },
          "aux_loss_alpha": 0.001,
          "bos_token_id": 100000,
          "eos_token_id": 100001,
          "first_k_dense_replace": 1,
          "hidden_act": "silu",
          "hidden_size": 2048,
          "initializer_range": 0.02,
          "intermediate_size": 10944,
          "kv_lora_rank": 512,
          "max_position_embeddings": 163840,
          "model_type": "deepseek_v2",
          "moe_intermediate_size": 1408,
          "moe_layer_freq": 1,
          "n_group": 1,
          "n_routed_experts": 64,
          "n_shared_experts": 2,
          "norm_topk_prob": false,
          "num_attention_heads": 16,
          "num_experts_per_tok": 6,
          "num_hidden_layers": 27,
          "num_key_value_heads": 16,
          "pretraining_tp": 1,
          "q_lora_rank": null,
          "qk_nope_head_dim": 128,
          "qk_rope_head_dim": 64,
          "rms_norm_eps": 1e-06,
          "rope_scaling": {
            "beta_fast": 32,
            "beta_slow": 1,
            "factor": 40,
            "mscale": 0.707,
            "mscale_all_dim": 0.707,
            "original_max_position_embeddings": 4096,
            "type": "yarn"
          },
          "rope_theta": 10000,
          "routed_scaling_factor": 1.0,
          "scoring_func": "softmax",
          "seq_aux": true,
          "tie_word_embeddings": false,
          "topk_group": 1,
          "topk_method": "greedy",
          "torch_dtype": "bfloat16",
          "transformers_version": "4.33.1",
          "use_cache": true,
          "v_head_dim": 128,
          "vocab_size": 102400
        }
        """;

    // Qwen/Qwen2-57B-A14B-Instruct style config.json.
    private const string Qwen2Moe = """
        {
          "architectures": ["Qwen2MoeForCausalLM"],
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "decoder_sparse_step": 1,
          "eos_token_id": [151645, 151643],
          "hidden_act": "silu",
          "hidden_size": 3584,
          "initializer_range": 0.02,
          "intermediate_size": 18944,
          "max_position_embeddings": 32768,
          "max_window_layers": 28,
          "model_type": "qwen2_moe",
          "moe_intermediate_size": 2560,
          "norm_topk_prob": false,
          "num_attention_heads": 28,
          "num_experts": 64,
          "num_experts_per_tok": 8,
          "num_hidden_layers": 28,
          "num_key_value_heads": 4,
          "output_router_logits": false,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "router_aux_loss_coef": 0.001,
          "shared_expert_intermediate_size": 20480,
          "sliding_window": 65536,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.40.1",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 151936
        }
        """;

    [Test]
    public void DeepSeekV2Lite_TypedValues()
    {
        HuggingFaceConfig c = HuggingFaceConfig.Parse(DeepSeekV2Lite, "DeepSeek-V2-Lite/config.json");
        Assert.That(c.Architectures, Is.EqualTo(new[] { "DeepseekV2ForCausalLM" }));
        Assert.That(c.ModelType, Is.EqualTo("deepseek_v2"));
        Assert.That(c.GetInt("hidden_size"), Is.EqualTo(2048));
        Assert.That(c.GetInt("num_hidden_layers"), Is.EqualTo(27));
        Assert.That(c.GetInt("kv_lora_rank"), Is.EqualTo(512));
        Assert.That(c.GetInt("n_routed_experts"), Is.EqualTo(64));
        Assert.That(c.GetInt("num_experts_per_tok"), Is.EqualTo(6));
        Assert.That(c.GetInt("n_shared_experts"), Is.EqualTo(2));
        Assert.That(c.GetInt("moe_intermediate_size"), Is.EqualTo(1408));
        Assert.That(c.GetInt("first_k_dense_replace"), Is.EqualTo(1));
        Assert.That(c.GetDouble("rms_norm_eps"), Is.EqualTo(1e-6));
        Assert.That(c.GetDouble("rope_theta"), Is.EqualTo(10000.0), "an integer literal reads as a double");
        Assert.That(c.GetDouble("routed_scaling_factor"), Is.EqualTo(1.0));
        Assert.That(c.GetBool("norm_topk_prob"), Is.False);
        Assert.That(c.GetString("topk_method"), Is.EqualTo("greedy"));
        Assert.That(c.GetInt64("vocab_size"), Is.EqualTo(102400));
    }

    [Test]
    public void NullValue_ReadsAsAbsent()
    {
        HuggingFaceConfig c = HuggingFaceConfig.Parse(DeepSeekV2Lite);
        Assert.That(c.TryGetInt("q_lora_rank", out int rank), Is.False);
        Assert.That(rank, Is.Zero);
        Assert.That(c.Contains("q_lora_rank"), Is.False);
        Assert.That(c.Keys, Does.Contain("q_lora_rank"), "the key is listed even though its value is null");
        var e = Assert.Throws<HuggingFaceConfigException>(() => c.GetInt("q_lora_rank"))!;
        Assert.That(e.Message, Is.EqualTo("config.json: key 'q_lora_rank' is missing or null (expected an integer)"));
    }

    [Test]
    public void NestedRopeScaling_TypedValuesAndQualifiedErrors()
    {
        HuggingFaceConfig c = HuggingFaceConfig.Parse(DeepSeekV2Lite, "/models/v2-lite/config.json");
        HuggingFaceConfig rope = c.GetObject("rope_scaling");
        Assert.That(rope.KeyPath, Is.EqualTo("rope_scaling"));
        Assert.That(rope.GetString("type"), Is.EqualTo("yarn"));
        Assert.That(rope.GetDouble("factor"), Is.EqualTo(40.0));
        Assert.That(rope.GetInt("original_max_position_embeddings"), Is.EqualTo(4096));
        Assert.That(rope.GetInt("beta_fast"), Is.EqualTo(32));
        Assert.That(rope.GetInt("beta_slow"), Is.EqualTo(1));
        Assert.That(rope.GetDouble("mscale"), Is.EqualTo(0.707));
        Assert.That(rope.GetDouble("mscale_all_dim"), Is.EqualTo(0.707));
        var e = Assert.Throws<HuggingFaceConfigException>(() => rope.GetInt("mscale"))!;
        Assert.That(e.Key, Is.EqualTo("rope_scaling.mscale"));
        Assert.That(e.Message, Is.EqualTo("/models/v2-lite/config.json: key 'rope_scaling.mscale' is the number 0.707, expected an integer"));
        Assert.That(c.TryGetObject("auto_map", out HuggingFaceConfig? autoMap) && autoMap.GetString("AutoConfig").StartsWith("configuration_deepseek"), Is.True);
    }

    [Test]
    public void Qwen2Moe_TypedValuesAndTokenLists()
    {
        HuggingFaceConfig c = HuggingFaceConfig.Parse(Qwen2Moe);
        Assert.That(c.Architectures, Is.EqualTo(new[] { "Qwen2MoeForCausalLM" }));
        Assert.That(c.ModelType, Is.EqualTo("qwen2_moe"));
        Assert.That(c.GetInt("num_experts"), Is.EqualTo(64));
        Assert.That(c.GetInt("num_experts_per_tok"), Is.EqualTo(8));
        Assert.That(c.GetInt("num_key_value_heads"), Is.EqualTo(4));
        Assert.That(c.GetInt("shared_expert_intermediate_size"), Is.EqualTo(20480));
        Assert.That(c.GetDouble("rope_theta"), Is.EqualTo(1_000_000.0));
        Assert.That(c.GetInt("decoder_sparse_step"), Is.EqualTo(1));
        Assert.That(c.GetBool("use_sliding_window"), Is.False);
        Assert.That(c.TryGetIntOrIntArray("eos_token_id", out int[] eos) && eos.SequenceEqual([151645, 151643]), Is.True);
        Assert.That(c.TryGetIntOrIntArray("bos_token_id", out int[] bos) && bos.SequenceEqual([151643]), Is.True);
        Assert.That(c.TryGetObject("rope_scaling", out _), Is.False);
    }

    [Test]
    public void WrongJsonType_NamesKeyExpectedAndActual()
    {
        HuggingFaceConfig c = HuggingFaceConfig.Parse(Qwen2Moe, "qwen/config.json");
        void Fails(TestDelegate call, string message) =>
            Assert.That(Assert.Throws<HuggingFaceConfigException>(call)!.Message, Is.EqualTo(message));
        Fails(() => c.GetInt("model_type"), "qwen/config.json: key 'model_type' is the string \"qwen2_moe\", expected an integer");
        Fails(() => c.GetInt("rms_norm_eps"), "qwen/config.json: key 'rms_norm_eps' is the number 1e-06, expected an integer");
        Fails(() => c.GetBool("num_experts"), "qwen/config.json: key 'num_experts' is the number 64, expected a boolean");
        Fails(() => c.GetString("use_cache"), "qwen/config.json: key 'use_cache' is the boolean true, expected a string");
        Fails(() => c.GetObject("architectures"), "qwen/config.json: key 'architectures' is an array, expected an object");
        Fails(() => c.GetInt("eos_token_id"), "qwen/config.json: key 'eos_token_id' is an array, expected an integer");
        Fails(() => c.GetDouble("n_routed_experts"), "qwen/config.json: key 'n_routed_experts' is missing or null (expected a number)");
        Assert.Throws<HuggingFaceConfigException>(() => c.TryGetInt("model_type", out _), "present with another type throws even from TryGet");
    }

    [Test]
    public void IntegralNumbersWithFractionOrExponent_ReadAsIntegers()
    {
        HuggingFaceConfig c = HuggingFaceConfig.Parse("""{"a": 2048.0, "b": 1e3, "c": 4294967296, "d": 2.5}""");
        Assert.That(c.GetInt("a"), Is.EqualTo(2048));
        Assert.That(c.GetInt("b"), Is.EqualTo(1000));
        Assert.That(c.GetInt64("c"), Is.EqualTo(4294967296));
        Assert.That(Assert.Throws<HuggingFaceConfigException>(() => c.GetInt("c"))!.Message, Does.Contain("fits in 32 bits"));
        Assert.That(Assert.Throws<HuggingFaceConfigException>(() => c.GetInt("d"))!.Message, Does.Contain("the number 2.5, expected an integer"));
    }

    [Test]
    public void MalformedJson_NamesLineAndPosition()
    {
        var e = Assert.Throws<HuggingFaceConfigException>(() => HuggingFaceConfig.Parse("{\n  \"hidden_size\": 2048,\n  \"vocab_size\": ,\n}", "bad/config.json"))!;
        Assert.That(e.Line, Is.EqualTo(3));
        Assert.That(e.Column, Is.EqualTo(17));
        Assert.That(e.Message, Does.StartWith("bad/config.json: malformed JSON at line 3, position 17"));
    }

    [Test]
    public void DuplicateKeysAndNonObjectRoot_Rejected()
    {
        Assert.That(Assert.Throws<HuggingFaceConfigException>(() => HuggingFaceConfig.Parse("""{"a": 1, "a": 2}"""))!.Message, Does.Contain("malformed JSON"));
        Assert.That(Assert.Throws<HuggingFaceConfigException>(() => HuggingFaceConfig.Parse("[1]"))!.Message, Does.Contain("the top level is an array, expected an object"));
    }

    [Test]
    public void Load_ReadsAFileAndNamesItsPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, DeepSeekV2Lite);
        try
        {
            HuggingFaceConfig c = HuggingFaceConfig.Load(path);
            Assert.That(c.Source, Is.EqualTo(path));
            Assert.That(c.GetInt("v_head_dim"), Is.EqualTo(128));
            Assert.That(Assert.Throws<HuggingFaceConfigException>(() => c.GetInt("nope"))!.Message, Does.StartWith(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
