namespace NativeInfer.Models.Synthetic;

/// <summary>Random weights everywhere, at the default initialisation: shapes for benchmarks.</summary>
internal sealed class RandomSyntheticWeights : ISyntheticWeights
{
    public static readonly RandomSyntheticWeights Instance = new();

    public float[]? Values(SyntheticTensor tensor) => null;

    public float RandomScale(SyntheticTensor tensor) => 1f;
}
