using NativeInfer.Interop;

namespace NativeInfer.Kernels;

/// <summary>Facts about the ggml types the native library implements, asked of the library itself.</summary>
public static unsafe class QuantTypes
{
    /// <summary>All weight types matmul and the MoE kernel accept.</summary>
    public static IReadOnlyList<NiType> WeightTypes { get; } =
        [NiType.F32, NiType.F16, NiType.BF16, NiType.Q4_0, NiType.Q8_0, NiType.Q4_K, NiType.Q6_K,
         NiType.IQ2_XXS, NiType.IQ2_XS, NiType.IQ2_S, NiType.IQ3_XXS, NiType.IQ3_S, NiType.IQ1_S, NiType.IQ1_M];

    private static readonly Dictionary<NiType, bool> Writable = [];

    /// <summary>
    /// Whether the library can write (quantize to) the type. The i-quants are read only: writing them
    /// needs an importance matrix. Asked of the library: quantizing one block is refused with
    /// NI_ERR_UNSUPPORTED_TYPE when there is no quantizer.
    /// </summary>
    public static bool CanQuantize(NiType type)
    {
        lock (Writable)
        {
            if (Writable.TryGetValue(type, out bool known)) return known;
            int block = BlockSize(type);
            var src = new float[block];
            var dst = new byte[RowSize(type, block)];
            using KernelPool pool = KernelPool.Create(1, NiIsa.Scalar);
            bool writable;
            try
            {
                pool.Quantize(type, src, dst, 1, block);
                writable = true;
            }
            catch (NiUnsupportedTypeException)
            {
                writable = false;
            }
            return Writable[type] = writable;
        }
    }

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
