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

public sealed class Qwen2MoeRotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);

public sealed class LlamaRotaryEmbedding(string path, RopeConfig rope) : RotaryEmbedding(path, rope);
