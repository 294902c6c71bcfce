namespace NativeInfer.Models.Synthetic;

/// <summary>
/// Where a synthetic model's numbers come from. The writer asks for every tensor; a source either
/// returns its values or leaves the tensor to the writer's random initialisation, scaled.
/// </summary>
internal interface ISyntheticWeights
{
    /// <summary>The tensor's values as float32 (ElementCount of them, file order), or null for random ones.</summary>
    float[]? Values(SyntheticTensor tensor);

    /// <summary>Factor on the random values of a tensor <see cref="Values"/> left alone (1 = the default initialisation).</summary>
    float RandomScale(SyntheticTensor tensor);
}
