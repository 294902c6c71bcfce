using System.Text.RegularExpressions;

namespace NativeInfer.Gguf;

/// <summary>What <see cref="GgufQuantizer"/> converts to and which tensors it leaves alone.</summary>
/// <param name="Target">Q4_0, Q8_0, Q4_K or Q6_K.</param>
/// <param name="Threads">Kernel threads (0 = all logical CPUs).</param>
/// <param name="Exclude">Tensors whose name this regex finds (a search, not a full match) are copied unchanged.</param>
public sealed record GgufQuantizeOptions(GgmlType Target, int Threads = 0, Regex? Exclude = null)
{
    /// <summary>The target types the quantizer writes.</summary>
    public static IReadOnlyList<GgmlType> Targets { get; } = [GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K];

    /// <summary>The source types it converts from (anything else is copied unchanged).</summary>
    public static IReadOnlyList<GgmlType> Sources { get; } = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0];

    /// <summary>Values converted per step: bounds the f32 scratch (16 MiB) however large a tensor is.</summary>
    public int ChunkValues { get; init; } = 4 << 20;
}
