namespace NativeInfer.Models.Checking;

/// <summary>A file tensor the architecture's definition declares not needed, and why.</summary>
public sealed record IgnoredPresentTensor(PresentTensor Tensor, string Reason);
