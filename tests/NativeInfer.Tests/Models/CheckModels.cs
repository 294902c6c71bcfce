using System.Text;
using NativeInfer.Gguf;
using NativeInfer.Tests.Formats;

namespace NativeInfer.Tests.Models;

/// <summary>Small models written by the check tests: GGUF files with chosen tensors, and HF directories (config.json + safetensors).</summary>
internal static class CheckModels
{
    /// <summary>A one-layer llama: hidden 32, 2 heads of 16, 1 KV head, ffn 64, vocab 64 (ggml-order dims).</summary>
    public static List<(string Name, GgmlType Type, long[] Ne)> LlamaTensors() =>
    [
        ("token_embd.weight", GgmlType.F32, [32, 64]),
        ("output_norm.weight", GgmlType.F32, [32]),
        ("output.weight", GgmlType.F32, [32, 64]),
        ("blk.0.attn_norm.weight", GgmlType.F32, [32]),
        ("blk.0.attn_q.weight", GgmlType.F32, [32, 32]),
        ("blk.0.attn_k.weight", GgmlType.F32, [32, 16]),
        ("blk.0.attn_v.weight", GgmlType.F32, [32, 16]),
        ("blk.0.attn_output.weight", GgmlType.F32, [32, 32]),
        ("blk.0.ffn_norm.weight", GgmlType.F32, [32]),
        ("blk.0.ffn_gate.weight", GgmlType.F32, [32, 64]),
        ("blk.0.ffn_up.weight", GgmlType.F32, [32, 64]),
        ("blk.0.ffn_down.weight", GgmlType.F32, [64, 32]),
    ];

    public static GgufWriter LlamaMetadata(string arch = "llama")
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", arch);
        w.AddUInt32($"{arch}.context_length", 256);
        w.AddUInt32($"{arch}.embedding_length", 32);
        w.AddUInt32($"{arch}.block_count", 1);
        w.AddUInt32($"{arch}.feed_forward_length", 64);
        w.AddUInt32($"{arch}.attention.head_count", 2);
        w.AddUInt32($"{arch}.attention.head_count_kv", 1);
        w.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f);
        w.AddUInt32($"{arch}.vocab_size", 64);
        return w;
    }

    /// <summary>Writes metadata plus zero-filled tensors of the given types and dims.</summary>
    public static string WriteGguf(string path, GgufWriter metadata, IEnumerable<(string Name, GgmlType Type, long[] Ne)> tensors)
    {
        foreach ((string name, GgmlType type, long[] ne) in tensors)
            metadata.AddTensor(name, type, ne, new byte[type.ByteSize(ne.Aggregate(1L, (a, b) => a * b))]);
        metadata.WriteTo(path);
        return path;
    }

    /// <summary>A model directory: config.json and model.safetensors with zero-filled tensors (HF shapes, outermost first).</summary>
    public static string WriteHf(string dir, string configJson, IEnumerable<(string Name, string DType, long[] Shape)> tensors)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), configJson);
        var header = new StringBuilder("{");
        long offset = 0;
        foreach ((string name, string dtype, long[] shape) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * (dtype is "F32" or "I32" ? 4 : 2);
            if (header.Length > 1) header.Append(',');
            header.Append($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        header.Append('}');
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), SafetensorsImage.Build(header.ToString(), new byte[offset]));
        return dir;
    }

    /// <summary>config.json of a two-layer DeepSeek-V2: hidden 16, 2 heads, r 8, d_n 4, d_r 4, d_v 4, 4 experts top-2 of width 8, 1 shared, dense ffn 32, vocab 50.</summary>
    public const string TinyDeepseekConfig = """
        {
          "architectures": ["DeepseekV2ForCausalLM"], "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
          "num_key_value_heads": 2, "kv_lora_rank": 8, "q_lora_rank": null, "qk_nope_head_dim": 4, "qk_rope_head_dim": 4, "v_head_dim": 4,
          "n_routed_experts": 4, "num_experts_per_tok": 2, "n_shared_experts": 1, "moe_intermediate_size": 8, "intermediate_size": 32,
          "first_k_dense_replace": 1, "moe_layer_freq": 1, "topk_method": "greedy", "norm_topk_prob": false, "routed_scaling_factor": 1.0,
          "scoring_func": "softmax", "rope_theta": 10000, "rms_norm_eps": 1e-06, "vocab_size": 50, "max_position_embeddings": 512,
          "bos_token_id": 0, "eos_token_id": 1, "tie_word_embeddings": false
        }
        """;

    /// <summary>Every tensor of <see cref="TinyDeepseekConfig"/> as HF names it: 2-D in BF16, norms in F32.</summary>
    public static List<(string Name, string DType, long[] Shape)> TinyDeepseekTensors()
    {
        var t = new List<(string, string, long[])>
        {
            ("model.embed_tokens.weight", "BF16", [50, 16]),
            ("model.norm.weight", "F32", [16]),
            ("lm_head.weight", "BF16", [50, 16]),
        };
        for (int l = 0; l < 2; l++)
        {
            string p = $"model.layers.{l}.";
            t.Add((p + "input_layernorm.weight", "F32", [16]));
            t.Add((p + "post_attention_layernorm.weight", "F32", [16]));
            t.Add((p + "self_attn.q_proj.weight", "BF16", [16, 16]));
            t.Add((p + "self_attn.kv_a_proj_with_mqa.weight", "BF16", [12, 16]));
            t.Add((p + "self_attn.kv_a_layernorm.weight", "F32", [8]));
            t.Add((p + "self_attn.kv_b_proj.weight", "BF16", [16, 8]));
            t.Add((p + "self_attn.o_proj.weight", "BF16", [16, 8]));
        }
        foreach (string proj in (string[])["gate_proj", "up_proj"]) t.Add(($"model.layers.0.mlp.{proj}.weight", "BF16", [32, 16]));
        t.Add(("model.layers.0.mlp.down_proj.weight", "BF16", [16, 32]));
        t.Add(("model.layers.1.mlp.gate.weight", "BF16", [4, 16]));
        for (int e = 0; e < 4; e++)
        {
            t.Add(($"model.layers.1.mlp.experts.{e}.gate_proj.weight", "BF16", [8, 16]));
            t.Add(($"model.layers.1.mlp.experts.{e}.up_proj.weight", "BF16", [8, 16]));
            t.Add(($"model.layers.1.mlp.experts.{e}.down_proj.weight", "BF16", [16, 8]));
        }
        t.Add(("model.layers.1.mlp.shared_experts.gate_proj.weight", "BF16", [8, 16]));
        t.Add(("model.layers.1.mlp.shared_experts.up_proj.weight", "BF16", [8, 16]));
        t.Add(("model.layers.1.mlp.shared_experts.down_proj.weight", "BF16", [16, 8]));
        return t;
    }
}
