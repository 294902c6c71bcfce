using NativeInfer.Gguf;
using NativeInfer.Gpu.Marlin;

namespace NativeInfer.Gpu.Decode;

/// <summary>How one linear's weight is kept on the device and which kernel multiplies by it.</summary>
public enum GpuLinearStorage
{
    /// <summary>The Marlin int4 layout, multiplied by <see cref="Devices.IGpuDevice.MarlinGemm"/> (f16 activations in and out).</summary>
    MarlinInt4,

    /// <summary>f16 values, multiplied by the dense f16 kernel (f32 activations, f32 accumulation).</summary>
    F16,

    /// <summary>f32 values, multiplied by the dense f32 kernel.</summary>
    F32,
}

/// <summary>
/// Where one weight of the decode path went: its module, GGUF tensor and type, its shape as the GEMM sees it
/// (N output features × K input features), the storage chosen and why. <see cref="GpuDecodePath.Linears"/> lists them.
/// </summary>
public sealed record GpuLinearPlacement(string Module, string Weight, GgmlType WeightType, long N, long K, GpuLinearStorage Storage, string Reason)
{
    public override string ToString() => $"{Module}  {WeightType.Name()} [{N}][{K}]  {Storage}: {Reason}";

    /// <summary>
    /// The storage <paramref name="mode"/> gives a linear whose weight is <paramref name="type"/> [n][k]. Auto takes
    /// Marlin only for Q4_0 (its repack moves nibbles and f16 scales unchanged, so the int4 GEMM reads the file's own
    /// values) with N % 64 = 0 and K % 128 = 0 (the compiled tiles); everything else is f16, including other quantized
    /// types: requantizing Q8_0, Q4_K, … or f16 / f32 to int4 would be a lossy change of the model that the file did not ask for.
    /// </summary>
    public static (GpuLinearStorage Storage, string Reason) Choose(GpuLinearPrecision mode, GgmlType type, long n, long k) => mode switch
    {
        GpuLinearPrecision.F16 => (GpuLinearStorage.F16, "GpuDecodeOptions.Linears = F16"),
        GpuLinearPrecision.F32 => (GpuLinearStorage.F32, "GpuDecodeOptions.Linears = F32"),
        GpuLinearPrecision.Auto when type != GgmlType.Q4_0 =>
            (GpuLinearStorage.F16, $"{type.Name()} is not requantized to int4 (lossy); only Q4_0 repacks exactly"),
        GpuLinearPrecision.Auto when MarlinPacking.TilingProblem(n, k) is { } why => (GpuLinearStorage.F16, $"Q4_0 but {why} (the int4 GEMM's tiles)"),
        GpuLinearPrecision.Auto => (GpuLinearStorage.MarlinInt4, "Q4_0, N % 64 = 0 and K % 128 = 0: repacked losslessly"),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a GpuLinearPrecision"),
    };
}
