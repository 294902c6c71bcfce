using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using NativeInfer.Formats;

namespace NativeInfer.Gguf;

/// <summary>
/// Parses and validates the header, metadata and tensor table of a GGUF image (v2 or v3) over a
/// (pointer, length) region. Every read is bounds-checked against the region, every count is checked
/// against the bytes left before anything of that size is allocated, and every failure is a
/// <see cref="GgufFormatException"/> naming the byte offset of the offending field.
/// </summary>
internal sealed unsafe class GgufParser
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    private const uint Magic = 0x46554747;
    private const int HeaderBytes = 24;
    public const int DefaultAlignment = 32;
    private const string AlignmentKey = "general.alignment";

    // Smallest possible entries, used to bound counts before allocating:
    // key length (8) + 1-byte key + type (4) + 1-byte value; name length (8) + 1 byte + n_dims (4) + type (4) + offset (8).
    private const long MinMetadataEntryBytes = 14;
    private const long MinTensorInfoBytes = 25;
    private const long InitialCapacity = 1024;

    private readonly MappedRegion _region;
    private readonly byte* _base;
    private readonly long _length;
    private readonly string _source;
    private long _pos;

    private GgufParser(MappedRegion region)
    {
        _region = region;
        _base = region.Pointer;
        _length = region.Length;
        _source = region.Source;
    }

    public int Version { get; private set; }
    public int Alignment { get; private set; } = DefaultAlignment;
    public long DataOffset { get; private set; }
    public GgufMetadata Metadata { get; private set; } = null!;
    public GgufTensor[] Tensors { get; private set; } = [];
    public Dictionary<string, int> TensorIndex { get; private set; } = null!;

    public static GgufParser Parse(MappedRegion region)
    {
        var parser = new GgufParser(region);
        parser.Run();
        return parser;
    }

    private void Run()
    {
        if (_length < HeaderBytes)
            throw Error(0, $"the file is {_length} bytes, shorter than a GGUF header ({HeaderBytes} bytes)");
        ReadHeader(out long tensorCount, out long metadataCount);
        ReadMetadata(metadataCount);
        ReadTensors(tensorCount);
    }

    // ------------------------------------------------------------------ header

    private void ReadHeader(out long tensorCount, out long metadataCount)
    {
        uint magic = ReadUInt32("magic");
        if (magic != Magic)
        {
            byte[] found = new ReadOnlySpan<byte>(_base, 4).ToArray();
            throw Error(0, $"expected the magic 'GGUF' (47 47 55 46), found {Convert.ToHexString(found)}");
        }
        uint version = ReadUInt32("version");
        if (version is not (2 or 3))
        {
            uint swapped = BinaryPrimitives.ReverseEndianness(version);
            string hint = version == 1 ? " (version 1 used 32-bit lengths; convert the file with a current tool)"
                : swapped is 2 or 3 ? " (this looks like a big-endian GGUF; only little-endian files are supported)" : "";
            throw Error(4, $"unsupported GGUF version {version}; versions 2 and 3 are supported{hint}");
        }
        Version = (int)version;

        ulong tensors = ReadUInt64("tensor count");
        ulong entries = ReadUInt64("metadata count");
        long left = _length - _pos;
        if (tensors > (ulong)(left / MinTensorInfoBytes))
            throw Error(8, $"tensor count {tensors} cannot fit in the {left} bytes after the header (each entry takes at least {MinTensorInfoBytes})");
        if (entries > (ulong)(left / MinMetadataEntryBytes))
            throw Error(16, $"metadata count {entries} cannot fit in the {left} bytes after the header (each entry takes at least {MinMetadataEntryBytes})");
        if (tensors > int.MaxValue || entries > int.MaxValue)
            throw Error(tensors > int.MaxValue ? 8 : 16, $"{tensors} tensors / {entries} metadata entries exceed what one file can index (2^31 - 1)");
        if ((long)tensors * MinTensorInfoBytes + (long)entries * MinMetadataEntryBytes > left)
            throw Error(8, $"{tensors} tensors and {entries} metadata entries cannot fit in the {left} bytes after the header");
        tensorCount = (long)tensors;
        metadataCount = (long)entries;
    }

    // ------------------------------------------------------------------ metadata

    private void ReadMetadata(long count)
    {
        // Capacities grow with what actually parses, so a hostile count in a huge file allocates nothing.
        var entries = new List<GgufMetadataEntry>((int)Math.Min(count, InitialCapacity));
        var byKey = new Dictionary<string, GgufMetadataEntry>((int)Math.Min(count, InitialCapacity), StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            long entryOffset = _pos;
            string key = ReadName("metadata key");
            long typeOffset = _pos;
            uint typeId = ReadUInt32($"value type of '{key}'");
            if (typeId > (uint)GgufValueType.Float64)
                throw Error(typeOffset, $"unknown value type {typeId} for key '{key}' (GGUF types are 0..12)");
            var type = (GgufValueType)typeId;
            long valueOffset = _pos;
            GgufMetadataEntry entry = type == GgufValueType.Array
                ? ReadArray(key, entryOffset, valueOffset)
                : ReadScalar(key, type, entryOffset, valueOffset);
            if (!byKey.TryAdd(key, entry))
                throw Error(entryOffset, $"duplicate metadata key '{key}' (first at byte {byKey[key].Offset})");
            entries.Add(entry);
        }
        Metadata = new GgufMetadata(_source, entries.ToArray(), byKey);
        if (byKey.TryGetValue(AlignmentKey, out GgufMetadataEntry? alignment)) Alignment = ReadAlignment(alignment);
    }

    private GgufMetadataEntry ReadScalar(string key, GgufValueType type, long entryOffset, long valueOffset)
    {
        ulong bits = 0;
        string? text = null;
        switch (type)
        {
            case GgufValueType.String:
                text = ReadString($"string value of '{key}'");
                break;
            case GgufValueType.Bool:
                bits = ReadUInt8($"value of '{key}'");
                if (bits > 1) throw Error(valueOffset, $"bool value of '{key}' is {bits}; expected 0 or 1");
                break;
            default:
                int size = ScalarSize(type);
                Require(size, $"{type} value of '{key}'");
                var bytes = new ReadOnlySpan<byte>(_base + _pos, size);
                bits = size switch
                {
                    1 => bytes[0],
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
                    4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                    _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
                };
                _pos += size;
                break;
        }
        return new GgufMetadataEntry(_region, key, entryOffset, type, null, 0, valueOffset, _pos - valueOffset, bits, text);
    }

    private GgufMetadataEntry ReadArray(string key, long entryOffset, long valueOffset)
    {
        uint elementId = ReadUInt32($"element type of array '{key}'");
        if (elementId == (uint)GgufValueType.Array)
            throw Error(valueOffset, $"array '{key}' holds arrays; nested arrays are not allowed");
        if (elementId > (uint)GgufValueType.Float64)
            throw Error(valueOffset, $"unknown element type {elementId} in array '{key}' (GGUF types are 0..12)");
        var elementType = (GgufValueType)elementId;
        long countOffset = _pos;
        ulong count = ReadUInt64($"length of array '{key}'");
        // A string takes at least its 8-byte length; check the count before walking or allocating.
        int minElement = elementType == GgufValueType.String ? 8 : ScalarSize(elementType);
        long left = _length - _pos;
        if (count > (ulong)(left / minElement))
            throw Error(countOffset, $"array '{key}' claims {count} {elementType} elements but only {left} bytes are left (at least {minElement} per element)");

        // Arrays are handed out as .NET arrays, so they are limited to what one can hold.
        if ((long)count * minElement > int.MaxValue)
            throw Error(countOffset, $"array '{key}' of {count} {elementType} elements exceeds 2 GiB, which is not supported");
        if (elementType == GgufValueType.String)
        {
            string what = $"string array '{key}'";
            for (long i = 0; i < (long)count; i++) ReadStringBytes(what, i);
        }
        else
        {
            long bytes = (long)count * minElement;
            if (elementType == GgufValueType.Bool)
            {
                int bad = new ReadOnlySpan<byte>(_base + _pos, (int)bytes).IndexOfAnyExcept((byte)0, (byte)1);
                if (bad >= 0) throw Error(_pos + bad, $"element {bad} of bool array '{key}' is {_base[_pos + bad]}; expected 0 or 1");
            }
            _pos += bytes;
        }
        return new GgufMetadataEntry(_region, key, entryOffset, GgufValueType.Array, elementType, (long)count, valueOffset, _pos - valueOffset, 0, null);
    }

    private int ReadAlignment(GgufMetadataEntry entry)
    {
        // Accept any integer type: the spec says u32, and a lenient reader costs nothing here.
        long value = entry.Type switch
        {
            GgufValueType.UInt8 or GgufValueType.UInt16 or GgufValueType.UInt32 => (long)entry.Bits,
            GgufValueType.Int8 => (sbyte)(byte)entry.Bits,
            GgufValueType.Int16 => (short)(ushort)entry.Bits,
            GgufValueType.Int32 => (int)(uint)entry.Bits,
            GgufValueType.UInt64 or GgufValueType.Int64 => (long)entry.Bits,
            _ => throw Error(entry.ValueOffset, $"'{AlignmentKey}' is {entry.TypeName}; expected an unsigned integer"),
        };
        if (value <= 0 || value > 1 << 30 || (value & (value - 1)) != 0)
            throw Error(entry.ValueOffset, $"'{AlignmentKey}' is {value}; expected a power of two between 1 and 2^30");
        return (int)value;
    }

    // ------------------------------------------------------------------ tensor table

    private void ReadTensors(long count)
    {
        int capacity = (int)Math.Min(count, InitialCapacity);
        var infos = new List<TensorInfo>(capacity);
        var index = new Dictionary<string, int>(capacity, StringComparer.Ordinal);

        for (int i = 0; i < count; i++)
        {
            long infoOffset = _pos;
            string name = ReadName("tensor name");
            if (!index.TryAdd(name, i))
                throw Error(infoOffset, $"duplicate tensor name '{name}' (tensor {index[name]} has it too)");

            long dimsOffset = _pos;
            uint dims = ReadUInt32($"dimension count of tensor '{name}'");
            if (dims > 4) throw Error(dimsOffset, $"tensor '{name}' has {dims} dimensions; at most 4 are allowed");
            long[] ne = new long[dims];
            for (int d = 0; d < dims; d++)
            {
                long fieldOffset = _pos;
                ulong value = ReadUInt64($"ne[{d}] of tensor '{name}'");
                if (value == 0 || value > long.MaxValue)
                    throw Error(fieldOffset, $"ne[{d}] of tensor '{name}' is {(long)value}; dimensions must be positive");
                ne[d] = (long)value;
            }

            long typeOffset = _pos;
            uint typeId = ReadUInt32($"type of tensor '{name}'");
            if (!GgmlTypes.IsDefined(typeId))
                throw Error(typeOffset, $"tensor '{name}' has unknown ggml type id {typeId} (known ids are 0..{GgmlTypes.Count - 1})");
            var type = (GgmlType)typeId;
            if (type.IsRemoved())
                throw Error(typeOffset, $"tensor '{name}' uses ggml type {type.Name()} ({typeId}), which ggml has removed; re-convert the model");

            long offsetField = _pos;
            ulong relative = ReadUInt64($"data offset of tensor '{name}'");
            if (relative > long.MaxValue)
                throw Error(offsetField, $"data offset {relative} of tensor '{name}' is beyond any file");

            int blockSize = type.BlockSize();
            long ne0 = dims > 0 ? ne[0] : 1;
            long shapeOffset = dims > 0 ? dimsOffset + 4 : dimsOffset;
            if (ne0 % blockSize != 0)
                throw Error(shapeOffset, $"ne[0] = {ne0} of tensor '{name}' is not a multiple of the {type.Name()} block size {blockSize}");
            long count64 = 1;
            foreach (long n in ne)
            {
                if (count64 > long.MaxValue / n)
                    throw Error(shapeOffset, $"element count of tensor '{name}' [{string.Join(", ", ne)}] overflows 64 bits");
                count64 *= n;
            }
            long blocks = count64 / blockSize;
            if (blocks > long.MaxValue / type.BlockBytes())
                throw Error(shapeOffset, $"byte size of tensor '{name}' ({blocks} blocks of {type.BlockBytes()} bytes) overflows 64 bits");

            infos.Add(new TensorInfo(name, type, ne, count64, blocks * type.BlockBytes(), (long)relative, offsetField));
        }

        // The data section starts at the next multiple of the alignment after the table. With no
        // tensors it may lie past the end (vocabulary-only files end right after the table).
        long dataOffset = (_pos + Alignment - 1) / Alignment * Alignment;
        DataOffset = dataOffset;
        var tensors = new GgufTensor[infos.Count];
        var starts = new long[infos.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            TensorInfo t = infos[i];
            if (t.Offset % Alignment != 0)
                throw Error(t.OffsetField, $"data offset {t.Offset} of tensor '{t.Name}' is not a multiple of the alignment {Alignment}");
            if (t.Offset > _length - dataOffset || t.Bytes > _length - dataOffset - t.Offset)
                throw Error(t.OffsetField, $"data of tensor '{t.Name}' (bytes {dataOffset} + {t.Offset}, {t.Bytes} long) lies outside the file ({_length} bytes)");
            starts[i] = dataOffset + t.Offset;
            tensors[i] = new GgufTensor(_region, i, t.Name, t.Type, t.Ne, t.Elements, t.Bytes, t.Offset, starts[i]);
        }
        CheckNoOverlap(tensors, starts, infos);
        Tensors = tensors;
        TensorIndex = index;
    }

    private readonly record struct TensorInfo(string Name, GgmlType Type, long[] Ne, long Elements, long Bytes, long Offset, long OffsetField);

    private void CheckNoOverlap(GgufTensor[] tensors, long[] starts, List<TensorInfo> infos)
    {
        int[] order = new int[tensors.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort((long[])starts.Clone(), order);
        for (int k = 1; k < order.Length; k++)
        {
            GgufTensor previous = tensors[order[k - 1]], current = tensors[order[k]];
            if (current.FileOffset < previous.FileOffset + previous.ByteSize)
                throw Error(infos[order[k]].OffsetField,
                    $"data of tensor '{current.Name}' [{current.FileOffset}, {current.FileOffset + current.ByteSize}) overlaps tensor '{previous.Name}' [{previous.FileOffset}, {previous.FileOffset + previous.ByteSize})");
        }
    }

    // ------------------------------------------------------------------ primitives

    private static int ScalarSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        _ => 8,
    };

    private void Require(long bytes, string what)
    {
        if (bytes > _length - _pos)
            throw Error(_pos, $"{what} needs {bytes} bytes but the file ends {_length - _pos} bytes later");
    }

    private byte ReadUInt8(string what)
    {
        Require(1, what);
        return _base[_pos++];
    }

    private uint ReadUInt32(string what)
    {
        Require(4, what);
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(_base + _pos, 4));
        _pos += 4;
        return v;
    }

    private ulong ReadUInt64(string what)
    {
        Require(8, what);
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_base + _pos, 8));
        _pos += 8;
        return v;
    }

    /// <summary>
    /// Reads a length-prefixed string's bytes, checked against the end and validated as UTF-8.
    /// <paramref name="what"/> and <paramref name="index"/> only build messages (an element index
    /// when >= 0), so the hot path over a 100k-entry vocabulary formats nothing.
    /// </summary>
    private ReadOnlySpan<byte> ReadStringBytes(string what, long index = -1)
    {
        long lengthOffset = _pos;
        if (_length - _pos < 8)
            throw Error(_pos, $"length of {Describe(what, index)} needs 8 bytes but the file ends {_length - _pos} bytes later");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_base + _pos, 8));
        _pos += 8;
        if (length > (ulong)(_length - _pos))
            throw Error(lengthOffset, $"{Describe(what, index)} claims {length} bytes but only {_length - _pos} are left");
        if (length > int.MaxValue)
            throw Error(lengthOffset, $"{Describe(what, index)} claims {length} bytes; strings longer than 2 GiB are not supported");
        var bytes = new ReadOnlySpan<byte>(_base + _pos, (int)length);
        if (!Utf8.IsValid(bytes))
        {
            int bad = FirstInvalidUtf8(bytes);
            throw Error(_pos + bad, $"{Describe(what, index)} is not valid UTF-8 (byte 0x{bytes[bad]:X2} at index {bad})");
        }
        _pos += (long)length;
        return bytes;
    }

    private static string Describe(string what, long index) => index < 0 ? what : $"element {index} of {what}";

    private string ReadString(string what) => Encoding.UTF8.GetString(ReadStringBytes(what));

    /// <summary>A key or tensor name: a non-empty UTF-8 string.</summary>
    private string ReadName(string what)
    {
        long offset = _pos;
        ReadOnlySpan<byte> bytes = ReadStringBytes(what);
        if (bytes.IsEmpty) throw Error(offset, $"{what} is empty");
        return Encoding.UTF8.GetString(bytes);
    }


    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != OperationStatus.Done) return i;
            i += consumed;
        }
        return 0;
    }

    private GgufFormatException Error(long offset, string problem) => new(_source, offset, problem);
}
