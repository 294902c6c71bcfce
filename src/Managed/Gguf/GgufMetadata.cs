using System.Collections;

namespace NativeInfer.Gguf;

/// <summary>
/// The key-value pairs of a GGUF file, in file order, with typed access by key.
/// <para>Typing is strict: <c>GetUInt32</c> on an Int32 value throws <see cref="GgufMetadataException"/>
/// naming the key and both types. <c>TryGet…</c> returns false only when the key is absent; a key
/// that is present with another type still throws, because that is a file the caller misreads, not
/// an optional value. Writers disagree on integer widths (u32 vs i32 counts), so config builders
/// should use the lenient <see cref="TryGetInteger"/> / <see cref="TryGetReal"/>.</para>
/// </summary>
public sealed class GgufMetadata : IReadOnlyList<GgufMetadataEntry>
{
    private readonly GgufMetadataEntry[] _entries;
    private readonly Dictionary<string, GgufMetadataEntry> _byKey;

    internal GgufMetadata(string source, GgufMetadataEntry[] entries, Dictionary<string, GgufMetadataEntry> byKey)
    {
        Source = source;
        _entries = entries;
        _byKey = byKey;
    }

    /// <summary>The file the metadata came from (named in every error).</summary>
    public string Source { get; }

    public int Count => _entries.Length;

    public GgufMetadataEntry this[int index] => _entries[index];

    public IEnumerator<GgufMetadataEntry> GetEnumerator() => ((IEnumerable<GgufMetadataEntry>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public bool TryGetEntry(string key, out GgufMetadataEntry entry) => _byKey.TryGetValue(key, out entry!);

    public GgufMetadataEntry GetEntry(string key) =>
        _byKey.TryGetValue(key, out GgufMetadataEntry? entry) ? entry : throw new GgufMetadataException(Source, key, "a value", null);

    /// <summary>The value type of <paramref name="key"/>, or null when absent.</summary>
    public GgufValueType? TypeOf(string key) => _byKey.TryGetValue(key, out GgufMetadataEntry? e) ? e.Type : null;

    // ------------------------------------------------------------------ scalars (strict)

    public byte GetUInt8(string key) => (byte)Require(key, GgufValueType.UInt8).Bits;
    public sbyte GetInt8(string key) => (sbyte)(byte)Require(key, GgufValueType.Int8).Bits;
    public ushort GetUInt16(string key) => (ushort)Require(key, GgufValueType.UInt16).Bits;
    public short GetInt16(string key) => (short)(ushort)Require(key, GgufValueType.Int16).Bits;
    public uint GetUInt32(string key) => (uint)Require(key, GgufValueType.UInt32).Bits;
    public int GetInt32(string key) => (int)(uint)Require(key, GgufValueType.Int32).Bits;
    public ulong GetUInt64(string key) => Require(key, GgufValueType.UInt64).Bits;
    public long GetInt64(string key) => (long)Require(key, GgufValueType.Int64).Bits;
    public float GetFloat32(string key) => BitConverter.UInt32BitsToSingle((uint)Require(key, GgufValueType.Float32).Bits);
    public double GetFloat64(string key) => BitConverter.UInt64BitsToDouble(Require(key, GgufValueType.Float64).Bits);
    public bool GetBool(string key) => Require(key, GgufValueType.Bool).Bits != 0;
    public string GetString(string key) => Require(key, GgufValueType.String).StringValue;

    public bool TryGetUInt8(string key, out byte value) { bool found = TryScalar(key, GgufValueType.UInt8, out ulong b); value = (byte)b; return found; }
    public bool TryGetInt8(string key, out sbyte value) { bool found = TryScalar(key, GgufValueType.Int8, out ulong b); value = (sbyte)(byte)b; return found; }
    public bool TryGetUInt16(string key, out ushort value) { bool found = TryScalar(key, GgufValueType.UInt16, out ulong b); value = (ushort)b; return found; }
    public bool TryGetInt16(string key, out short value) { bool found = TryScalar(key, GgufValueType.Int16, out ulong b); value = (short)(ushort)b; return found; }
    public bool TryGetUInt32(string key, out uint value) { bool found = TryScalar(key, GgufValueType.UInt32, out ulong b); value = (uint)b; return found; }
    public bool TryGetInt32(string key, out int value) { bool found = TryScalar(key, GgufValueType.Int32, out ulong b); value = (int)(uint)b; return found; }
    public bool TryGetUInt64(string key, out ulong value) => TryScalar(key, GgufValueType.UInt64, out value);
    public bool TryGetInt64(string key, out long value) { bool found = TryScalar(key, GgufValueType.Int64, out ulong b); value = (long)b; return found; }
    public bool TryGetFloat32(string key, out float value) { bool found = TryScalar(key, GgufValueType.Float32, out ulong b); value = BitConverter.UInt32BitsToSingle((uint)b); return found; }
    public bool TryGetFloat64(string key, out double value) { bool found = TryScalar(key, GgufValueType.Float64, out ulong b); value = BitConverter.UInt64BitsToDouble(b); return found; }
    public bool TryGetBool(string key, out bool value) { bool found = TryScalar(key, GgufValueType.Bool, out ulong b); value = b != 0; return found; }

    public bool TryGetString(string key, out string value)
    {
        bool found = TryRequire(key, GgufValueType.String, out GgufMetadataEntry? entry);
        value = found ? entry!.StringValue : string.Empty;
        return found;
    }

    // ------------------------------------------------------------------ scalars (lenient)

    /// <summary>
    /// Any integer type (u8…i64) as a long. False when absent; throws when the value is not an integer
    /// or is a UInt64 above <see cref="long.MaxValue"/>.
    /// </summary>
    public bool TryGetInteger(string key, out long value)
    {
        value = 0;
        if (!_byKey.TryGetValue(key, out GgufMetadataEntry? e)) return false;
        switch (e.Type)
        {
            case GgufValueType.UInt8: case GgufValueType.UInt16: case GgufValueType.UInt32:
                value = (long)e.Bits; return true;
            case GgufValueType.Int8: value = (sbyte)(byte)e.Bits; return true;
            case GgufValueType.Int16: value = (short)(ushort)e.Bits; return true;
            case GgufValueType.Int32: value = (int)(uint)e.Bits; return true;
            case GgufValueType.Int64: value = (long)e.Bits; return true;
            case GgufValueType.UInt64 when e.Bits <= long.MaxValue: value = (long)e.Bits; return true;
            case GgufValueType.UInt64: throw new GgufMetadataException(Source, key, "an integer that fits in Int64", $"UInt64 {e.Bits}");
            default: throw new GgufMetadataException(Source, key, "an integer", e.TypeName);
        }
    }

    public long GetInteger(string key) =>
        TryGetInteger(key, out long v) ? v : throw new GgufMetadataException(Source, key, "an integer", null);

    /// <summary>Any float or integer type as a double. False when absent; throws for strings, bools and arrays.</summary>
    public bool TryGetReal(string key, out double value)
    {
        value = 0;
        if (!_byKey.TryGetValue(key, out GgufMetadataEntry? e)) return false;
        switch (e.Type)
        {
            case GgufValueType.Float32: value = BitConverter.UInt32BitsToSingle((uint)e.Bits); return true;
            case GgufValueType.Float64: value = BitConverter.UInt64BitsToDouble(e.Bits); return true;
            case GgufValueType.UInt64: value = e.Bits; return true;
            case GgufValueType.String or GgufValueType.Bool or GgufValueType.Array:
                throw new GgufMetadataException(Source, key, "a number", e.TypeName);
            default:
                TryGetInteger(key, out long i);
                value = i;
                return true;
        }
    }

    public double GetReal(string key) =>
        TryGetReal(key, out double v) ? v : throw new GgufMetadataException(Source, key, "a number", null);

    // ------------------------------------------------------------------ arrays

    /// <summary>
    /// A copy of an array whose element type matches <typeparamref name="T"/> exactly: byte=UInt8,
    /// sbyte=Int8, ushort, short, uint, int, ulong, long, float=Float32, double=Float64, bool.
    /// </summary>
    public T[] GetArray<T>(string key) where T : unmanaged
    {
        GgufMetadataEntry entry = RequireArray(key, ElementTypeOf<T>());
        return entry.ReadArray<T>();
    }

    public bool TryGetArray<T>(string key, out T[] values) where T : unmanaged
    {
        bool found = TryRequireArray(key, ElementTypeOf<T>(), out GgufMetadataEntry? entry);
        values = found ? entry!.ReadArray<T>() : [];
        return found;
    }

    /// <summary>A string array (decoded once and cached; each call returns a fresh copy of the array).</summary>
    public string[] GetStringArray(string key) => RequireArray(key, GgufValueType.String).ReadStringArray();

    public bool TryGetStringArray(string key, out string[] values)
    {
        bool found = TryRequireArray(key, GgufValueType.String, out GgufMetadataEntry? entry);
        values = found ? entry!.ReadStringArray() : [];
        return found;
    }

    public byte[] GetUInt8Array(string key) => GetArray<byte>(key);
    public sbyte[] GetInt8Array(string key) => GetArray<sbyte>(key);
    public ushort[] GetUInt16Array(string key) => GetArray<ushort>(key);
    public short[] GetInt16Array(string key) => GetArray<short>(key);
    public uint[] GetUInt32Array(string key) => GetArray<uint>(key);
    public int[] GetInt32Array(string key) => GetArray<int>(key);
    public ulong[] GetUInt64Array(string key) => GetArray<ulong>(key);
    public long[] GetInt64Array(string key) => GetArray<long>(key);
    public float[] GetFloat32Array(string key) => GetArray<float>(key);
    public double[] GetFloat64Array(string key) => GetArray<double>(key);
    public bool[] GetBoolArray(string key) => GetArray<bool>(key);

    /// <summary>An array of any integer element type as longs (UInt64 elements above long.MaxValue throw).</summary>
    public long[] GetIntegerArray(string key)
    {
        GgufMetadataEntry e = GetEntry(key);
        long[] Widen<T>(Func<T, long> widen) where T : unmanaged => Array.ConvertAll(e.ReadArray<T>(), x => widen(x));
        if (!e.IsArray) throw new GgufMetadataException(Source, key, "array of integers", e.TypeName);
        return e.ElementType switch
        {
            GgufValueType.UInt8 => Widen<byte>(x => x),
            GgufValueType.Int8 => Widen<sbyte>(x => x),
            GgufValueType.UInt16 => Widen<ushort>(x => x),
            GgufValueType.Int16 => Widen<short>(x => x),
            GgufValueType.UInt32 => Widen<uint>(x => x),
            GgufValueType.Int32 => Widen<int>(x => x),
            GgufValueType.Int64 => e.ReadArray<long>(),
            GgufValueType.UInt64 => Widen<ulong>(x => x <= long.MaxValue ? (long)x
                : throw new GgufMetadataException(Source, key, "integers that fit in Int64", $"an element {x}")),
            _ => throw new GgufMetadataException(Source, key, "array of integers", e.TypeName),
        };
    }

    // ------------------------------------------------------------------ helpers

    internal static GgufValueType ElementTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(byte) ? GgufValueType.UInt8
        : typeof(T) == typeof(sbyte) ? GgufValueType.Int8
        : typeof(T) == typeof(ushort) ? GgufValueType.UInt16
        : typeof(T) == typeof(short) ? GgufValueType.Int16
        : typeof(T) == typeof(uint) ? GgufValueType.UInt32
        : typeof(T) == typeof(int) ? GgufValueType.Int32
        : typeof(T) == typeof(ulong) ? GgufValueType.UInt64
        : typeof(T) == typeof(long) ? GgufValueType.Int64
        : typeof(T) == typeof(float) ? GgufValueType.Float32
        : typeof(T) == typeof(double) ? GgufValueType.Float64
        : typeof(T) == typeof(bool) ? GgufValueType.Bool
        : throw new NotSupportedException($"{typeof(T).Name} is not a GGUF element type (use byte, sbyte, ushort, short, uint, int, ulong, long, float, double or bool)");

    private GgufMetadataEntry Require(string key, GgufValueType type)
    {
        if (!_byKey.TryGetValue(key, out GgufMetadataEntry? e)) throw new GgufMetadataException(Source, key, type.ToString(), null);
        if (e.Type != type) throw new GgufMetadataException(Source, key, type.ToString(), e.TypeName);
        return e;
    }

    private bool TryRequire(string key, GgufValueType type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GgufMetadataEntry? entry)
    {
        if (!_byKey.TryGetValue(key, out entry)) return false;
        if (entry.Type != type) throw new GgufMetadataException(Source, key, type.ToString(), entry.TypeName);
        return true;
    }

    private bool TryScalar(string key, GgufValueType type, out ulong bits)
    {
        bool found = TryRequire(key, type, out GgufMetadataEntry? e);
        bits = found ? e!.Bits : 0;
        return found;
    }

    private GgufMetadataEntry RequireArray(string key, GgufValueType elementType)
    {
        if (!_byKey.TryGetValue(key, out GgufMetadataEntry? e)) throw new GgufMetadataException(Source, key, $"array of {elementType}", null);
        if (!e.IsArray || e.ElementType != elementType) throw new GgufMetadataException(Source, key, $"array of {elementType}", e.TypeName);
        return e;
    }

    private bool TryRequireArray(string key, GgufValueType elementType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GgufMetadataEntry? entry)
    {
        if (!_byKey.TryGetValue(key, out entry)) return false;
        if (!entry.IsArray || entry.ElementType != elementType)
            throw new GgufMetadataException(Source, key, $"array of {elementType}", entry.TypeName);
        return true;
    }
}
