using NativeInfer.Diagnostics;

namespace NativeInfer.Models.Synthetic;

/// <summary>What goes into a synthetic model besides its shape.</summary>
public sealed record SyntheticWriteOptions
{
    /// <summary>The tokenizer metadata to include (none: the file has no tokenizer, which benchmarks do not need).</summary>
    public SyntheticTokenizer? Tokenizer { get; init; }

    /// <summary>Progress of writing the tensor data, in bytes.</summary>
    public IProgress<OperationProgress>? Progress { get; init; }

    /// <summary>Files the model is made from (a vocabulary GGUF): the output must not be one of them.</summary>
    public IReadOnlyList<string> InputPaths { get; init; } = [];

    /// <summary>Checked before every tensor is written; cancelled, the write throws and leaves no file behind.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Kernel threads for quantizing (0 = all CPUs).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Every matrix all zeros, written as holes (a sparse file): a model of real widths — hundreds of GB —
    /// that takes no disk space, for checking and loading real shapes. Vectors (norms, biases) keep their values.
    /// </summary>
    public bool ZeroMatrices { get; init; }

    /// <summary>Where the numbers come from (default: random weights).</summary>
    internal ISyntheticWeights Weights { get; init; } = RandomSyntheticWeights.Instance;
}
