using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Runtime;

/// <summary>Weights read in place from a memory-mapped GGUF file.</summary>
public sealed unsafe class GgufWeightSource(GgufFile file) : IWeightSource
{
    public GgufFile File { get; } = file;

    public string Description => Path.GetFileName(File.Source);

    public bool TryGetTensor(string name, out WeightTensor tensor)
    {
        if (!File.TryGetTensor(name, out GgufTensor t))
        {
            tensor = default;
            return false;
        }
        if (!TryKernelType(t.Type, out NiType type))
            throw new ModelLoadException(
                $"{Description}: tensor '{name}' has type {t.Type.Name()}, which the kernels do not implement " +
                $"(supported: {string.Join(", ", QuantTypes.WeightTypes.Select(QuantTypes.Name))}; requantize with `nativeinfer quantize`)");
        tensor = new WeightTensor(name, t.Pointer, type, t.Dimensions.ToArray(), t.RowBytes);
        return true;
    }

    /// <summary>The kernel type of a ggml type, when the native library implements it.</summary>
    public static bool TryKernelType(GgmlType type, out NiType kernelType)
    {
        kernelType = type switch
        {
            GgmlType.F32 => NiType.F32,
            GgmlType.F16 => NiType.F16,
            GgmlType.BF16 => NiType.BF16,
            GgmlType.Q4_0 => NiType.Q4_0,
            GgmlType.Q8_0 => NiType.Q8_0,
            GgmlType.Q4_K => NiType.Q4_K,
            GgmlType.Q6_K => NiType.Q6_K,
            GgmlType.IQ2_XXS => NiType.IQ2_XXS,
            GgmlType.IQ2_XS => NiType.IQ2_XS,
            GgmlType.IQ2_S => NiType.IQ2_S,
            GgmlType.IQ3_XXS => NiType.IQ3_XXS,
            GgmlType.IQ3_S => NiType.IQ3_S,
            GgmlType.IQ1_S => NiType.IQ1_S,
            GgmlType.IQ1_M => NiType.IQ1_M,
            _ => (NiType)(-1),
        };
        return (int)kernelType >= 0;
    }
}
