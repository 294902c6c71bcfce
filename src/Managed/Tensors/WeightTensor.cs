using NativeInfer.Interop;

namespace NativeInfer.Tensors;

/// <summary>
/// A zero-copy view of a weight tensor in the kernels' terms: pointer into the mapped file, type,
/// ggml dims (ne[0] = values per row) and the byte stride between rows.
/// </summary>
public readonly unsafe struct WeightTensor
{
    public WeightTensor(string name, void* pointer, NiType type, long[] ne, long rowBytes)
    {
        Name = name;
        Pointer = pointer;
        Type = type;
        Ne = ne;
        RowBytes = rowBytes;
    }

    public string Name { get; }
    public void* Pointer { get; }
    public NiType Type { get; }
    public long[] Ne { get; }
    public long RowBytes { get; }

    /// <summary>Values per row (ne[0]).</summary>
    public long Columns => Ne[0];

    /// <summary>Rows across all higher dims.</summary>
    public long Rows => Ne.Skip(1).Aggregate(1L, (a, b) => a * b);

    public bool IsNull => Pointer == null;

    public byte* RowPointer(long row) => (byte*)Pointer + row * RowBytes;

    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Ne)}]";
}
