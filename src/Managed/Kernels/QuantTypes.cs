using NativeInfer.Interop;

namespace NativeInfer.Kernels;

/// <summary>Facts about the ggml types the native library implements, asked of the library itself.</summary>
public static unsafe class QuantTypes
{
    /// <summary>All weight types matmul and the MoE kernel accept.</summary>
    public static IReadOnlyList<NiType> WeightTypes { get; } =
        [NiType.F32, NiType.F16, NiType.BF16, NiType.Q4_0, NiType.Q8_0, NiType.Q4_K, NiType.Q6_K];

    public static NiTypeInfo Info(NiType type)
    {
        NiTypeInfo info;
        NiException.ThrowIfFailed(NativeMethods.TypeGetInfo((int)type, &info));
        return info;
    }

    /// <summary>Bytes of a row of <paramref name="cols"/> values; throws <see cref="NiShapeException"/> if not a block multiple.</summary>
    public static long RowSize(NiType type, long cols)
    {
        nuint bytes;
        NiException.ThrowIfFailed(NativeMethods.RowSize((int)type, cols, &bytes));
        return (long)bytes;
    }

    public static int BlockSize(NiType type) => Info(type).BlockSize;

    /// <summary>The format ni_matmul quantizes activations to for this weight type.</summary>
    public static NiType ActivationType(NiType type) => (NiType)Info(type).ActivationType;

    /// <summary>ggml's lowercase name ("q4_K").</summary>
    public static string Name(NiType type) => Info(type).NameString;
}
