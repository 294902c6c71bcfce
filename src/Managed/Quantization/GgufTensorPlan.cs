using NativeInfer.Gguf;
namespace NativeInfer.Quantization;

/// <summary>What the quantizer does with one tensor.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Source">Its type in the input.</param>
/// <param name="Target">Its type in the output (equal to Source when copied).</param>
/// <param name="Converted">True when the data goes through dequantize → quantize; false when copied verbatim.</param>
/// <param name="IsFallback">True when ne0 does not fit the chosen type's block size, so it was written as llama.cpp's fallback type (or copied, when it already had that type).</param>
/// <param name="Note">Why it was not converted to the target as asked (null when it was, or when it already had the target type).</param>
public sealed record GgufTensorPlan(string Name, GgmlType Source, GgmlType Target, bool Converted, bool IsFallback, string? Note);
