using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Tensors;

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

    /// <summary>The kernel type of a ggml type, when the native library accepts it as a weight (its own table decides).</summary>
    public static bool TryKernelType(GgmlType type, out NiType kernelType)
    {
        kernelType = (NiType)(int)type;
        if (QuantTypes.IsWeightType(kernelType)) return true;
        kernelType = (NiType)(-1);
        return false;
    }
}
