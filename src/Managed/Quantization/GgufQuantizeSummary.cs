namespace NativeInfer.Quantization;

/// <summary>The outcome of a quantization: per-tensor decisions and sizes before and after.</summary>
public sealed record GgufQuantizeSummary(
    IReadOnlyList<GgufTensorPlan> Plans,
    long InputTensorBytes,
    long OutputTensorBytes,
    long InputFileBytes,
    long OutputFileBytes,
    TimeSpan Elapsed);
