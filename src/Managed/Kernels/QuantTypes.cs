using NativeInfer.Interop;

namespace NativeInfer.Kernels;

/// <summary>Facts about the ggml types the native library implements, asked of the library itself.</summary>
public static unsafe class QuantTypes
{
    /// <summary>Type ids asked of the native table: ggml's ids, with room to grow.</summary>
    private const int IdsProbed = 256;

    private static readonly Lazy<NiType[]> s_weightTypes = new(() => KnownTypes.Where(IsWeightType).ToArray());
    private static readonly Lazy<NiType[]> s_knownTypes = new(ProbeKnownTypes);

    /// <summary>
    /// Every weight type matmul and the MoE kernel accept, in id order: the native library's own table
    /// (<c>ni_type_get_info(...).is_weight_type</c>), so this list is never out of step with the kernels.
    /// </summary>
    public static IReadOnlyList<NiType> WeightTypes => s_weightTypes.Value;

    /// <summary>Every type the native library knows (weights and activation formats), in id order.</summary>
    public static IReadOnlyList<NiType> KnownTypes => s_knownTypes.Value;

    /// <summary>Whether matmul and the MoE kernel accept <paramref name="type"/> as a weight type.</summary>
    public static bool IsWeightType(NiType type) => TryInfo(type, out NiTypeInfo info) && info.IsWeightType != 0;

    /// <summary>The native description of a type; false for ids the library does not implement.</summary>
    public static bool TryInfo(NiType type, out NiTypeInfo info)
    {
        NiTypeInfo result;
        bool known = NativeMethods.TypeGetInfo((int)type, &result) == NiStatus.Ok;
        info = known ? result : default;
        return known;
    }

    private static NiType[] ProbeKnownTypes()
    {
        var types = new List<NiType>();
        for (int id = 0; id < IdsProbed; id++)
            if (TryInfo((NiType)id, out _)) types.Add((NiType)id);
        return types.ToArray();
    }

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
