using System.Buffers.Binary;

namespace NativeInfer.Tests.Gguf;

/// <summary>
/// Where the structural fields of a valid GGUF image are (counts, lengths, types, dims, offsets),
/// found by a minimal walker written for the fuzz test, independent of the reader under test.
/// </summary>
internal sealed class GgufFieldMap
{
    public enum Kind { Count, Length, ValueType, ElementType, DimCount, Dim, TensorType, TensorOffset }

    public readonly record struct Field(long Offset, int Size, Kind Kind);

    public List<Field> Fields { get; } = [];

    /// <summary>End of the tensor table (the data section starts at the next aligned offset).</summary>
    public long HeaderEnd { get; }

    /// <summary>Where the tensor table starts.</summary>
    public long TensorTableStart { get; }

    public GgufFieldMap(byte[] image)
    {
        long pos = 8;
        ulong U64() { ulong v = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)pos)); pos += 8; return v; }
        uint U32() { uint v = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)pos)); pos += 4; return v; }
        void Add(int size, Kind kind) => Fields.Add(new Field(pos, size, kind));
        void Str() { Add(8, Kind.Length); long n = (long)U64(); pos += n; }
        int Size(uint type) => type switch { 0 or 1 or 7 => 1, 2 or 3 => 2, 4 or 5 or 6 => 4, _ => 8 };

        Add(8, Kind.Count);
        ulong tensors = U64();
        Add(8, Kind.Count);
        ulong entries = U64();
        for (ulong i = 0; i < entries; i++)
        {
            Str();
            Add(4, Kind.ValueType);
            uint type = U32();
            if (type == 8) Str();
            else if (type != 9) pos += Size(type);
            else
            {
                Add(4, Kind.ElementType);
                uint element = U32();
                Add(8, Kind.Length);
                ulong n = U64();
                // Record only the first few string lengths of a long array: enough to hit the walk.
                for (ulong j = 0; j < n; j++)
                {
                    if (element != 8) { pos += Size(element) * (long)(n - j); break; }
                    if (j < 4 || j == n - 1) Str(); else pos += 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)pos));
                }
            }
        }
        TensorTableStart = pos;
        for (ulong i = 0; i < tensors; i++)
        {
            Str();
            Add(4, Kind.DimCount);
            uint dims = U32();
            for (uint d = 0; d < dims; d++) { Add(8, Kind.Dim); pos += 8; }
            Add(4, Kind.TensorType);
            pos += 4;
            Add(8, Kind.TensorOffset);
            pos += 8;
        }
        HeaderEnd = pos;
    }
}
