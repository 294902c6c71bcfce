using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;

namespace NativeInfer.Tests.Config;

/// <summary>GGUF metadata written by the test with GgufWriter and read back from memory.</summary>
internal static class SyntheticGguf
{
    public const string Name = "synthetic.gguf";

    /// <summary>The metadata of tiny-deepseek2-lite-f32.gguf (as dumped), minus the tokenizer arrays.</summary>
    public static GgufWriter DeepseekV2Lite()
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "deepseek2");
        w.AddUInt32("tokenizer.ggml.bos_token_id", 1);
        w.AddUInt32("tokenizer.ggml.eos_token_id", 2);
        w.AddUInt32("deepseek2.context_length", 163840);
        w.AddUInt32("deepseek2.embedding_length", 64);
        w.AddUInt32("deepseek2.block_count", 27);
        w.AddUInt32("deepseek2.feed_forward_length", 128);
        w.AddUInt32("deepseek2.attention.head_count", 4);
        w.AddUInt32("deepseek2.attention.head_count_kv", 4);
        w.AddFloat32("deepseek2.attention.layer_norm_rms_epsilon", 1e-6f);
        w.AddUInt32("deepseek2.attention.key_length", 48);
        w.AddUInt32("deepseek2.attention.value_length", 32);
        w.AddUInt32("deepseek2.vocab_size", 32000);
        w.AddUInt32("deepseek2.attention.kv_lora_rank", 64);
        w.AddUInt32("deepseek2.leading_dense_block_count", 1);
        w.AddUInt32("deepseek2.expert_feed_forward_length", 64);
        w.AddUInt32("deepseek2.expert_count", 8);
        w.AddUInt32("deepseek2.expert_used_count", 2);
        w.AddUInt32("deepseek2.expert_shared_count", 2);
        w.AddFloat32("deepseek2.expert_weights_scale", 1.0f);
        w.AddBool("deepseek2.expert_weights_norm", false);
        w.AddUInt32("deepseek2.expert_gating_func", 1);
        w.AddUInt32("deepseek2.rope.dimension_count", 16);
        w.AddFloat32("deepseek2.rope.freq_base", 10000f);
        w.AddString("deepseek2.rope.scaling.type", "yarn");
        w.AddFloat32("deepseek2.rope.scaling.factor", 40f);
        w.AddUInt32("deepseek2.rope.scaling.original_context_length", 4096);
        w.AddFloat32("deepseek2.rope.scaling.yarn_log_multiplier", 0.0707f);
        return w;
    }

    /// <summary>A plain llama file (the shape of a small Llama), optionally an architecture other than llama.</summary>
    public static GgufWriter Llama(string arch = "llama")
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", arch);
        w.AddUInt32($"{arch}.context_length", 2048);
        w.AddUInt32($"{arch}.embedding_length", 256);
        w.AddUInt32($"{arch}.block_count", 2);
        w.AddUInt32($"{arch}.feed_forward_length", 512);
        w.AddUInt32($"{arch}.attention.head_count", 8);
        w.AddUInt32($"{arch}.attention.head_count_kv", 2);
        w.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", 1e-5f);
        w.AddFloat32($"{arch}.rope.freq_base", 500000f);
        w.AddUInt32($"{arch}.vocab_size", 1000);
        return w;
    }

    /// <summary>Replaces (or adds) a key.</summary>
    public static GgufWriter Set(this GgufWriter w, string key, Action<GgufWriter> add)
    {
        w.Remove(key);
        add(w);
        return w;
    }

    public static GgufFile Open(GgufWriter w)
    {
        var stream = new MemoryStream();
        w.WriteTo(stream);
        return GgufFile.FromMemory(stream.ToArray(), Name);
    }

    /// <summary>Builds with the built-in registry; <paramref name="tensors"/> are the tensor names the source claims.</summary>
    public static ModelConfig Build(GgufWriter w, IEnumerable<string>? tensors = null) => Build(w, out _, tensors);

    public static ModelConfig Build(GgufWriter w, out string builder, IEnumerable<string>? tensors = null, ModelConfigBuilders? builders = null)
    {
        using GgufFile file = Open(w);
        ModelConfig config = (builders ?? new ModelConfigBuilders()).Build(ModelSource.FromGguf(file.Metadata, tensors, Name), out IModelConfigBuilder b);
        builder = b.Name;
        return config;
    }

    public static ModelConfigException Fails(GgufWriter w, IEnumerable<string>? tensors = null) =>
        Assert.Throws<ModelConfigException>(() => Build(w, tensors))!;
}
