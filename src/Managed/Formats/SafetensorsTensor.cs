namespace NativeInfer.Formats;

/// <summary>
/// A zero-copy view of one tensor in a safetensors file: dtype, shape (outermost first, as PyTorch
/// writes it) and its bytes in the mapping. Valid while its <see cref="SafetensorsFile"/> is open.
/// </summary>
public readonly unsafe struct SafetensorsTensor
{
    private readonly MappedRegion _region;
    private readonly long[] _shape;

    internal SafetensorsTensor(MappedRegion region, string name, SafetensorsDType dtype, long[] shape, long elementCount, long fileOffset, long byteSize)
    {
        _region = region;
        Name = name;
        DType = dtype;
        _shape = shape;
        ElementCount = elementCount;
        FileOffset = fileOffset;
        ByteSize = byteSize;
    }

    public string Name { get; }

    public SafetensorsDType DType { get; }

    /// <summary>The shape, outermost dimension first (PyTorch order; the reverse of ggml's ne[]).</summary>
    public ReadOnlySpan<long> Shape => _shape;

    public long ElementCount { get; }

    /// <summary>Absolute offset of the data in the file.</summary>
    public long FileOffset { get; }

    public long ByteSize { get; }

    /// <summary>The first byte of the data inside the mapping.</summary>
    public void* Pointer => _region.Pointer + FileOffset;

    /// <summary>The data as bytes; throws if larger than a span can hold (2 GiB).</summary>
    public ReadOnlySpan<byte> AsSpan()
    {
        if (ByteSize > int.MaxValue)
            throw new InvalidOperationException($"tensor '{Name}' has {ByteSize} bytes, more than a span can hold; use Pointer");
        return new ReadOnlySpan<byte>(Pointer, (int)ByteSize);
    }

    /// <summary>The data as elements of T, which must have the dtype's size (float for F32, ushort for BF16/F16).</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        if (sizeof(T) != DType.ElementBytes() || ElementCount > int.MaxValue)
            throw new InvalidOperationException($"tensor '{Name}' ({DType.HeaderName()}, {ElementCount} elements) cannot be viewed as {typeof(T).Name}");
        return new ReadOnlySpan<T>(Pointer, (int)ElementCount);
    }

    public override string ToString() => $"{Name} {DType.HeaderName()} [{string.Join(", ", _shape)}]";
}
