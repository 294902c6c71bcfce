using NativeInfer.Formats;

namespace NativeInfer.Gguf;

/// <summary>
/// A zero-copy view of one tensor in a GGUF file: its ggml type, shape (ne, fastest-varying first)
/// and where its bytes are in the mapping. Everything was validated at open (block-aligned ne0,
/// no overflow, inside the file, aligned, not overlapping), so the pointer is safe to hand to kernels
/// for as long as the <see cref="GgufFile"/> is open.
/// </summary>
public readonly unsafe struct GgufTensor
{
    private readonly MappedRegion _region;
    private readonly long[] _ne;

    internal GgufTensor(MappedRegion region, int index, string name, GgmlType type, long[] ne, long elementCount, long byteSize,
                        long dataOffset, long fileOffset)
    {
        _region = region;
        Index = index;
        Name = name;
        Type = type;
        _ne = ne;
        ElementCount = elementCount;
        ByteSize = byteSize;
        DataOffset = dataOffset;
        FileOffset = fileOffset;
    }

    /// <summary>Position in the file's tensor table.</summary>
    public int Index { get; }

    public string Name { get; }

    public GgmlType Type { get; }

    /// <summary>ggml's ne[]: Dimensions[0] is the row length (contiguous), then rows, then e.g. experts.</summary>
    public ReadOnlySpan<long> Dimensions => _ne;

    public int DimensionCount => _ne.Length;

    /// <summary>ne[i], or 1 past the stored dimensions (ggml's convention).</summary>
    public long Ne(int i) => (uint)i < (uint)_ne.Length ? _ne[i] : 1;

    public long ElementCount { get; }

    public long ByteSize { get; }

    /// <summary>Offset of the data from the start of the data section (what the tensor table stores).</summary>
    public long DataOffset { get; }

    /// <summary>Absolute offset of the data in the file.</summary>
    public long FileOffset { get; }

    /// <summary>Rows: the product of ne[1..] (1 for a vector).</summary>
    public long RowCount => ElementCount / Ne(0);

    /// <summary>Bytes of one row of ne[0] values.</summary>
    public long RowBytes => ByteSize / RowCount;

    /// <summary>The first byte of the data inside the mapping; valid until the file is disposed.</summary>
    public void* Pointer => _region.Pointer + FileOffset;

    /// <summary>The data as bytes; throws if the tensor is larger than a span can hold (2 GiB).</summary>
    public ReadOnlySpan<byte> AsSpan()
    {
        if (ByteSize > int.MaxValue)
            throw new InvalidOperationException($"tensor '{Name}' has {ByteSize} bytes, more than a span can hold; use Pointer or row slices");
        return new ReadOnlySpan<byte>(Pointer, (int)ByteSize);
    }

    /// <summary>The data as elements of T (e.g. float for F32); the byte size must be a multiple of sizeof(T).</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        if (ByteSize % sizeof(T) != 0 || ByteSize / sizeof(T) > int.MaxValue)
            throw new InvalidOperationException($"tensor '{Name}' ({ByteSize} bytes of {Type.Name()}) cannot be viewed as {typeof(T).Name}");
        return new ReadOnlySpan<T>(Pointer, (int)(ByteSize / sizeof(T)));
    }

    /// <summary>Rows [first, first + count) as bytes.</summary>
    public ReadOnlySpan<byte> Rows(long first, long count)
    {
        if (first < 0 || count < 0 || first > RowCount - count)
            throw new ArgumentOutOfRangeException(nameof(first), $"rows [{first}, {first}+{count}) are outside tensor '{Name}' ({RowCount} rows)");
        long bytes = count * RowBytes;
        if (bytes > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(count), $"{count} rows of '{Name}' exceed 2 GiB; take fewer");
        return new ReadOnlySpan<byte>((byte*)Pointer + first * RowBytes, (int)bytes);
    }

    /// <summary>"blk.0.attn_q.weight q8_0 [64, 192]".</summary>
    public override string ToString() => $"{Name} {Type.Name()} [{string.Join(", ", _ne)}]";
}
