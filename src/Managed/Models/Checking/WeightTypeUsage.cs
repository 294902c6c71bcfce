namespace NativeInfer.Models.Checking;

/// <summary>How many tensors, parameters and bytes of one weight type the file holds.</summary>
public sealed record WeightTypeUsage(string TypeName, int Tensors, long Parameters, long Bytes);
