namespace NativeInfer.Config;

/// <summary>A model configuration is missing something, contradicts itself, or no builder applies.</summary>
public sealed class ModelConfigException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The metadata key (GGUF) or config.json key path the problem is about, when there is one.</summary>
    public string? Key { get; init; }

    /// <summary>The model source the problem was found in (a path or a description), when known.</summary>
    public string? SourceDescription { get; init; }
}
