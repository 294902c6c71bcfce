using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// The shape of a synthetic DeepSeek-V2 model (random weights, valid blocks) for benchmarks and the
/// demo: every width the runtime reads, the number of layers, and the storage type of each tensor group.
/// </summary>
public sealed record SyntheticModelSpec
{
    public string Name { get; init; } = "synthetic-deepseek2";
    public int Hidden { get; init; } = 2048;
    public int Layers { get; init; } = 4;
    public int Vocab { get; init; } = 102400;
    public int Heads { get; init; } = 16;
    public int? QLoraRank { get; init; }
    public int KvLoraRank { get; init; } = 512;
    public int NopeHeadDim { get; init; } = 128;
    public int RopeHeadDim { get; init; } = 64;
    public int VHeadDim { get; init; } = 128;
    public int DenseIntermediate { get; init; } = 10944;
    public int Experts { get; init; } = 64;
    public int ExpertsPerToken { get; init; } = 6;
    public int ExpertFfn { get; init; } = 1408;
    public int SharedExperts { get; init; } = 2;
    public int LeadingDenseBlocks { get; init; } = 1;
    public int ContextLength { get; init; } = 163840;
    public float RopeBase { get; init; } = 10000f;
    public float YarnFactor { get; init; } = 40f;
    public int YarnOriginalContext { get; init; } = 4096;
    public float MScaleAllDim { get; init; } = 0.707f;

    /// <summary>Attention, MLP and expert matrices.</summary>
    public GgmlType WeightType { get; init; } = GgmlType.Q4_0;
    public GgmlType EmbeddingType { get; init; } = GgmlType.Q4_0;
    public GgmlType OutputType { get; init; } = GgmlType.Q6_K;

    public int Seed { get; init; } = 1;

    /// <summary>DeepSeek-V2-Lite at full widths (hidden 2048, 16 heads, kv_lora 512, 64 experts of 1408, top-6, 2 shared), `layers` deep.</summary>
    public static SyntheticModelSpec DeepseekV2Lite(int layers, GgmlType weightType) => new()
    {
        Name = $"synthetic-deepseek-v2-lite-{layers}l-{weightType.Name()}", Layers = layers, WeightType = weightType,
        EmbeddingType = weightType, OutputType = weightType is GgmlType.Q4_K or GgmlType.Q6_K ? GgmlType.Q6_K : weightType,
    };
}
