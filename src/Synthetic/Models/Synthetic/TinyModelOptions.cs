using NativeInfer.Diagnostics;
using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>What <see cref="TinyModel.Write"/> makes; unset widths keep the architecture's tiny defaults.</summary>
public sealed record TinyModelOptions
{
    /// <summary>One of <see cref="TinyModel.Architectures"/>: deepseek2, deepseek3, qwen2moe, qwen3moe, qwen3, llama, mixtral.</summary>
    public string Architecture { get; init; } = "deepseek2";

    /// <summary>Storage type of every weight matrix, the embedding and the head (norms, biases and routers stay F32).</summary>
    public GgmlType Type { get; init; } = GgmlType.Q8_0;

    public int? Layers { get; init; }
    public int? Hidden { get; init; }

    /// <summary>Routed experts per MoE layer (top-2 of them are used; not for llama, which is dense).</summary>
    public int? Experts { get; init; }

    /// <summary>A GGUF file whose tokenizer.* metadata the model takes (its vocabulary size follows); null = train one on the demo text.</summary>
    public string? VocabPath { get; init; }

    /// <summary>
    /// Purely random weights (shapes for benchmarks) instead of the constructed demo weights. Architectures
    /// outside <see cref="TinyModel.DemoArchitectures"/> always get random weights.
    /// </summary>
    public bool RandomWeights { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Upper bound on the trained vocabulary (the text may support fewer merges).</summary>
    public int MaxVocab { get; init; } = 1024;

    public int Threads { get; init; }

    public IProgress<OperationProgress>? Progress { get; init; }

    /// <summary>Checked before every tensor is written (a cancelled write leaves no file).</summary>
    public CancellationToken Cancellation { get; init; }
}
