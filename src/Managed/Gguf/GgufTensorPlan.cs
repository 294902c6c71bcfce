namespace NativeInfer.Gguf;

/// <summary>What the quantizer does with one tensor.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Source">Its type in the input.</param>
/// <param name="Target">Its type in the output (equal to Source when copied).</param>
/// <param name="Converted">True when the data goes through dequantize → quantize; false when copied verbatim.</param>
/// <param name="IsFallback">True when it was written as Q8_0 because ne0 does not fit the target's block size.</param>
/// <param name="Note">Why it was not converted to the target as asked (null when it was, or when it already had the target type).</param>
public sealed record GgufTensorPlan(string Name, GgmlType Source, GgmlType Target, bool Converted, bool IsFallback, string? Note);
