using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using NativeInfer.Formats;

namespace NativeInfer.Gguf;

/// <summary>
/// One metadata key-value pair, as parsed and validated at open. Scalars and single strings are
/// materialized then; arrays stay in the file and are copied out on request (string arrays are
/// decoded once and cached), so opening a model never pays for a vocabulary nobody reads.
/// Typed access by key is on <see cref="GgufMetadata"/>.
/// </summary>
public sealed class GgufMetadataEntry
{
    private readonly MappedRegion _region;
    private readonly ulong _bits;
    private readonly string? _string;
    private string[]? _strings;

    internal GgufMetadataEntry(MappedRegion region, string key, long offset, GgufValueType type, GgufValueType? elementType,
                               long arrayLength, long valueOffset, long valueByteLength, ulong bits, string? text)
    {
        _region = region;
        Key = key;
        Offset = offset;
        Type = type;
        ElementType = elementType;
        ArrayLength = arrayLength;
        ValueOffset = valueOffset;
        ValueByteLength = valueByteLength;
        _bits = bits;
        _string = text;
    }

    public string Key { get; }

    /// <summary>Byte offset of the entry (its key length field) in the file.</summary>
    public long Offset { get; }

    public GgufValueType Type { get; }

    /// <summary>Type of the elements when <see cref="Type"/> is Array, else null.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>Number of elements of an array; 0 for scalars.</summary>
    public long ArrayLength { get; }

    public bool IsArray => Type == GgufValueType.Array;

    /// <summary>Byte offset of the value (after the type field); for arrays, of the element-type field.</summary>
    internal long ValueOffset { get; }

    /// <summary>Bytes of the encoded value, array header included.</summary>
    internal long ValueByteLength { get; }

    /// <summary>"UInt32", "String", "array of String [102400]".</summary>
    public string TypeName => IsArray ? $"array of {ElementType} [{ArrayLength}]" : Type.ToString();

    // ------------------------------------------------------------------ values

    /// <summary>The value boxed: a scalar, a string, or an array (T[] or string[]). For display and generic copying.</summary>
    public object GetValue() => Type switch
    {
        GgufValueType.UInt8 => (byte)_bits,
        GgufValueType.Int8 => (sbyte)(byte)_bits,
        GgufValueType.UInt16 => (ushort)_bits,
        GgufValueType.Int16 => (short)(ushort)_bits,
        GgufValueType.UInt32 => (uint)_bits,
        GgufValueType.Int32 => (int)(uint)_bits,
        GgufValueType.Float32 => BitConverter.UInt32BitsToSingle((uint)_bits),
        GgufValueType.Bool => _bits != 0,
        GgufValueType.String => _string!,
        GgufValueType.UInt64 => _bits,
        GgufValueType.Int64 => (long)_bits,
        GgufValueType.Float64 => BitConverter.UInt64BitsToDouble(_bits),
        _ => ElementType switch
        {
            GgufValueType.UInt8 => ReadArray<byte>(),
            GgufValueType.Int8 => ReadArray<sbyte>(),
            GgufValueType.UInt16 => ReadArray<ushort>(),
            GgufValueType.Int16 => ReadArray<short>(),
            GgufValueType.UInt32 => ReadArray<uint>(),
            GgufValueType.Int32 => ReadArray<int>(),
            GgufValueType.Float32 => ReadArray<float>(),
            GgufValueType.Bool => ReadArray<bool>(),
            GgufValueType.UInt64 => ReadArray<ulong>(),
            GgufValueType.Int64 => ReadArray<long>(),
            GgufValueType.Float64 => ReadArray<double>(),
            _ => ReadStringArray(),
        },
    };

    /// <summary>The value as text, arrays cut after <paramref name="maxItems"/> elements ("[1, 2, 3, … (102400)]").</summary>
    public string FormatValue(int maxItems = 8)
    {
        if (!IsArray) return FormatScalar(GetValue());
        var text = new StringBuilder("[");
        if (ElementType == GgufValueType.String)
        {
            // Decode only what is shown: a 100k-token vocabulary is not decoded to print five tokens.
            int shown = 0;
            foreach (string s in EnumerateStrings(maxItems))
            {
                if (shown++ > 0) text.Append(", ");
                text.Append(FormatScalar(s));
            }
        }
        else
        {
            var values = (Array)GetValue();
            for (int i = 0; i < Math.Min(values.Length, maxItems); i++)
            {
                if (i > 0) text.Append(", ");
                text.Append(FormatScalar(values.GetValue(i)!));
            }
        }
        if (ArrayLength > maxItems) text.Append($", … ({ArrayLength})");
        return text.Append(']').ToString();
    }

    public override string ToString() => $"{Key}: {TypeName} = {FormatValue()}";

    private static string FormatScalar(object value) => value switch
    {
        string s => "\"" + (s.Length > 60 ? s[..60] + "…" : s).Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    internal ulong Bits => _bits;

    internal string StringValue => _string!;

    /// <summary>The encoded value bytes (array header included), for copying an entry verbatim.</summary>
    internal unsafe ReadOnlySpan<byte> RawValue()
    {
        int length = checked((int)ValueByteLength);
        return new ReadOnlySpan<byte>(_region.Pointer + ValueOffset, length);
    }

    /// <summary>Copies an array of scalars out of the file; the caller has checked the element type matches T.</summary>
    internal unsafe T[] ReadArray<T>() where T : unmanaged
    {
        var values = new T[ArrayLength];
        var source = new ReadOnlySpan<byte>(_region.Pointer + ValueOffset + 12, checked((int)(ArrayLength * sizeof(T))));
        source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan())); // GGUF is little-endian, as is every machine we run on
        return values;
    }

    /// <summary>Decodes a string array once (validated as UTF-8 at open) and hands out copies of the cache.</summary>
    internal string[] ReadStringArray()
    {
        string[]? strings = Volatile.Read(ref _strings);
        if (strings is null)
        {
            strings = new string[ArrayLength];
            long position = ValueOffset + 12;
            for (int i = 0; i < strings.Length; i++) strings[i] = DecodeAt(ref position);
            Interlocked.CompareExchange(ref _strings, strings, null);
        }
        return (string[])strings.Clone();
    }

    private IEnumerable<string> EnumerateStrings(int limit)
    {
        long position = ValueOffset + 12;
        long count = Math.Min(ArrayLength, limit);
        for (long i = 0; i < count; i++) yield return DecodeAt(ref position);
    }

    private unsafe string DecodeAt(ref long position)
    {
        byte* p = _region.Pointer + position;
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(p, 8));
        position += 8 + length;
        return length == 0 ? string.Empty : Encoding.UTF8.GetString(p + 8, length);
    }
}
