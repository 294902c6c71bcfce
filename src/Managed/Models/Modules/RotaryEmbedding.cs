using NativeInfer.Config;

namespace NativeInfer.Models.Modules;

/// <summary>RoPE for one attention module; subclasses carry the Hugging Face class names rules match.</summary>
public class RotaryEmbedding(string path, RopeConfig rope) : Module(path)
{
    public RopeConfig Rope { get; } = rope;
}

/// <summary>DeepSeek-V2's plain rotary embedding.</summary>
public class DeepseekV2RotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);

/// <summary>DeepSeek-V2's YaRN rotary embedding (a subclass, as in Hugging Face).</summary>
public sealed class DeepseekV2YarnRotaryEmbedding(string path, RopeConfig rope) : DeepseekV2RotaryEmbedding(path, rope);

/// <summary>DeepSeek-V3's plain rotary embedding.</summary>
public class DeepseekV3RotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);

/// <summary>DeepSeek-V3's YaRN rotary embedding (a subclass, as in its modeling code).</summary>
public sealed class DeepseekV3YarnRotaryEmbedding(string path, RopeConfig rope) : DeepseekV3RotaryEmbedding(path, rope);

/// <summary>Qwen2-MoE's rotary embedding; KTransformers' Qwen3-MoE model uses this class too.</summary>
public sealed class Qwen2MoeRotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);

public sealed class Qwen3RotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);

public sealed class LlamaRotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);

public sealed class MixtralRotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);
