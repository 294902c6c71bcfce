using NativeInfer.Config;

namespace NativeInfer.Models.Checking;

/// <summary>
/// A GGUF's config against its companion config.json: both built by the registry, compared field by
/// field (<see cref="ModelConfigFields.Differences"/>) except the architecture name, the builder, the
/// RoPE style (layout: llama.cpp's converter permutes Llama q/k to adjacent pairs, so GGUF llama and HF
/// Llama legitimately differ there) and the count of multi-token-prediction layers (llama.cpp's converter
/// leaves DeepSeek-V3's out of the file; decoding does not use them either way). The two architecture
/// names must map to the same definition.
/// </summary>
public sealed record ConfigCrossCheck(
    string ConfigPath, string BuilderName, ModelConfig Config, IReadOnlyList<(string Field, object? Gguf, object? ConfigJson)> Disagreements)
{
    public static readonly string[] IgnoredFields = ["Architecture", "BuiltBy", "Rope.Style", "NextNPredictLayers"];

    public bool Agrees => Disagreements.Count == 0;
}
