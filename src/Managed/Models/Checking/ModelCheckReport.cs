using NativeInfer.Config;
using NativeInfer.Config.Builders;

namespace NativeInfer.Models.Checking;

/// <summary>
/// What <see cref="ModelCheck"/> found: the builder and config, the definition and its module tree's
/// tensors against the file's, sizes, decode traffic, and (GGUF + config.json) the cross-check.
/// <see cref="FailureReason"/> is one line, or null when the model passes.
/// </summary>
public sealed record ModelCheckReport
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

    /// <summary>Tensors the file holds that no module asked for and the definition does not declare ignorable (the check fails).</summary>
    public required IReadOnlyList<PresentTensor> Unexpected { get; init; }

    /// <summary>Tensors no module uses that the definition declares not needed (a multi-token-prediction layer), with why.</summary>
    public IReadOnlyList<IgnoredPresentTensor> Ignored { get; init; } = [];

    /// <summary>Tensors in the file (or checkpoint).</summary>
    public required int PresentCount { get; init; }

    /// <summary>Elements of the expected tensors the file has (the model's parameter count).</summary>
    public required long ParameterCount { get; init; }

    public required long UnexpectedParameterCount { get; init; }

    /// <summary>Elements of the ignored tensors.</summary>
    public long IgnoredParameterCount => Ignored.Sum(i => i.Tensor.Elements);

    /// <summary>
    /// Parameters active for one token as model cards count them ("671B total, 37B activated"): every
    /// parameter except the routed experts a token does not select (embedding included in full).
    /// </summary>
    public long ActiveParameterCount
    {
        get
        {
            if (Config.Moe is not { } moe) return ParameterCount;
            long routed = Tensors.Where(t => t.Actual is not null && t.Expected.Category == WeightCategory.RoutedExperts).Sum(t => t.Actual!.Elements);
            return ParameterCount - (long)Math.Round(routed * (1 - (double)moe.ExpertsPerToken / moe.NumExperts));
        }
    }

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

    /// <summary>
    /// Set when a config.json was checked without a checkpoint: the tensors are the architecture's, counted
    /// as stored in this safetensors type (the config's torch_dtype), not read from files.
    /// </summary>
    public string? AssumedStorageType { get; init; }

    public IEnumerable<TensorCheck> Problems => Tensors.Where(t => t.IsProblem);

    public int ExpectedCount => Tensors.Count(t => t.Status != TensorStatus.OptionalAbsent);

    public long TotalBytes => ByType.Sum(t => t.Bytes);
}
