using NativeInfer.Config.Builders;

namespace NativeInfer.Models.Checking;

public sealed class ModelCheckOptions
{
    /// <summary>Config builders to use; null = a fresh registry with the built-ins.</summary>
    public ModelConfigBuilders? Builders { get; init; }

    /// <summary>Module map to use; null = the built-in map.</summary>
    public ModuleMap? ModuleMap { get; init; }

    /// <summary>For a GGUF model: a config.json (or a directory holding one) to cross-check against.</summary>
    public string? CompanionConfig { get; init; }

    /// <summary>
    /// Scan every F32/F16/BF16 tensor for NaN and infinity (reads all their bytes). 1-D tensors — norms and
    /// biases, where one NaN poisons every token — are always scanned.
    /// </summary>
    public bool ScanAllWeights { get; init; }
}
