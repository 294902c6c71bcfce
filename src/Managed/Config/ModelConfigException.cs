namespace NativeInfer.Config;

/// <summary>A model configuration is missing something, contradicts itself, or no builder applies.</summary>
public sealed class ModelConfigException(string message, Exception? inner = null) : Exception(message, inner);
