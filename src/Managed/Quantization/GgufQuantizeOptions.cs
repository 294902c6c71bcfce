using System.Text.RegularExpressions;
using NativeInfer.Gguf;

namespace NativeInfer.Quantization;

/// <summary>What <see cref="GgufQuantizer"/> converts to and which tensors it leaves alone.</summary>
/// <param name="Target">One of <see cref="Targets"/>: the type every converted tensor gets (the base type of a <see cref="Mix"/>).</param>
/// <param name="Threads">Kernel threads (0 = all logical CPUs).</param>
/// <param name="Exclude">Tensors whose name this regex finds (a search, not a full match) are copied unchanged.</param>
public sealed record GgufQuantizeOptions(GgmlType Target, int Threads = 0, Regex? Exclude = null)
{
    /// <summary>The target types the quantizer writes.</summary>
    public static IReadOnlyList<GgmlType> Targets { get; } =
    [
        GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K,
        GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS,
    ];

    /// <summary>The source types it converts from (anything else is copied unchanged).</summary>
    public static IReadOnlyList<GgmlType> Sources { get; } = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0];

    /// <summary>Every name <see cref="TryParseTarget"/> accepts, lowercase: the target types, then the mixes.</summary>
    public static IReadOnlyList<string> TargetNames { get; } =
        [.. Targets.Select(t => t.Name().ToLowerInvariant()), "q4_k_m", "q5_k_m"];

    /// <summary>llama.cpp's mix to write (its base type is <see cref="Target"/>); <see cref="GgufQuantizeMix.None"/> writes Target everywhere.</summary>
    public GgufQuantizeMix Mix { get; init; }

    /// <summary>Per-tensor overrides of <see cref="Target"/> or the mix's choice; the last matching rule wins. Types must be <see cref="Targets"/>.</summary>
    public IReadOnlyList<GgufTensorTypeRule> TensorTypes { get; init; } = [];

    /// <summary>Values converted per step: bounds the f32 scratch (16 MiB) however large a tensor is.</summary>
    public int ChunkValues { get; init; } = 4 << 20;

    /// <summary>Options for one of llama.cpp's mixes.</summary>
    public static GgufQuantizeOptions ForMix(GgufQuantizeMix mix, int threads = 0, Regex? exclude = null) => mix switch
    {
        GgufQuantizeMix.Q4_K_M => new GgufQuantizeOptions(GgmlType.Q4_K, threads, exclude) { Mix = mix },
        GgufQuantizeMix.Q5_K_M => new GgufQuantizeOptions(GgmlType.Q5_K, threads, exclude) { Mix = mix },
        _ => throw new ArgumentException($"{mix} is not a mix", nameof(mix)),
    };

    /// <summary>Parses a target name as the CLI takes it ("q4_k", "iq4_xs", "q4_k_m"), case-insensitively.</summary>
    public static bool TryParseTarget(string name, out GgmlType target, out GgufQuantizeMix mix)
    {
        mix = GgufQuantizeMix.None;
        if (string.Equals(name, "q4_k_m", StringComparison.OrdinalIgnoreCase)) mix = GgufQuantizeMix.Q4_K_M;
        else if (string.Equals(name, "q5_k_m", StringComparison.OrdinalIgnoreCase)) mix = GgufQuantizeMix.Q5_K_M;
        if (mix != GgufQuantizeMix.None)
        {
            target = ForMix(mix).Target;
            return true;
        }
        return GgmlTypes.TryParse(name, out target) && Targets.Contains(target);
    }
}
