using NativeInfer.Config;
using NativeInfer.Config.Builders;

namespace NativeInfer.Models.Checking;

/// <summary>
/// What <see cref="ModelCheck"/> found: the builder and config, the definition and its module tree's
/// tensors against the file's, sizes, decode traffic, and (GGUF + config.json) the cross-check.
/// <see cref="FailureReason"/> is one line, or null when the model passes.
/// </summary>
public sealed class ModelCheckReport
{
    public required string Model { get; init; }
    public required ModelFormat Format { get; init; }

    /// <summary>general.architecture or architectures[0].</summary>
    public required string Architecture { get; init; }

    public required string BuilderName { get; init; }
    public required ModelConfig Config { get; init; }

    /// <summary>The definition the module map chose (its type, for messages).</summary>
    public required Type DefinitionType { get; init; }

    /// <summary>The root module's class ("DeepseekV2ForCausalLM").</summary>
    public required string ModelClass { get; init; }

    /// <summary>Every expected tensor in module-tree order with what the file has for it.</summary>
    public required IReadOnlyList<TensorCheck> Tensors { get; init; }

    /// <summary>Tensors the file holds that no module asked for.</summary>
    public required IReadOnlyList<PresentTensor> Unexpected { get; init; }

    /// <summary>Tensors in the file (or checkpoint).</summary>
    public required int PresentCount { get; init; }

    /// <summary>Elements of the expected tensors the file has (the model's parameter count).</summary>
    public required long ParameterCount { get; init; }

    public required long UnexpectedParameterCount { get; init; }

    /// <summary>Per weight type over every tensor in the file, largest first.</summary>
    public required IReadOnlyList<WeightTypeUsage> ByType { get; init; }

    public required DecodeTraffic Decode { get; init; }

    /// <summary>Float tensors holding NaN or infinity (1-D ones always scanned; all with <see cref="ModelCheckOptions.ScanAllWeights"/>).</summary>
    public IReadOnlyList<NonFiniteTensor> NonFinite { get; init; } = [];

    /// <summary>Tensors whose values were scanned for NaN and infinity.</summary>
    public int ScannedTensors { get; init; }

    /// <summary>Set when a companion config.json was given.</summary>
    public ConfigCrossCheck? CrossCheck { get; init; }

    /// <summary>One line saying why the model fails the check; null when it passes.</summary>
    public string? FailureReason { get; init; }

    public bool Passed => FailureReason is null;

    public IEnumerable<TensorCheck> Problems => Tensors.Where(t => t.IsProblem);

    public int ExpectedCount => Tensors.Count(t => t.Status != TensorStatus.OptionalAbsent);

    public long TotalBytes => ByType.Sum(t => t.Bytes);
}
