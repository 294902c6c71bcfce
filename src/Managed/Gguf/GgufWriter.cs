using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using NativeInfer.Formats;

namespace NativeInfer.Gguf;

/// <summary>
/// Builds a GGUF v3 file: metadata of every type, then tensors, written in the layout llama.cpp
/// expects (tensor data packed in table order, each padded to the alignment). Inputs are validated
/// when added (ArgumentException naming the key or tensor), so <see cref="WriteTo(Stream)"/> only
/// fails on I/O or on a data callback that writes the wrong number of bytes.
/// The alignment is 32 unless <c>general.alignment</c> (UInt32, a power of two) is added.
/// </summary>
public sealed class GgufWriter
{
    public const int DefaultAlignment = 32;

    /// <summary>ggml's GGML_MAX_NAME (64) including the terminating zero.</summary>
    public const int MaxTensorNameBytes = 63;

    private const string AlignmentKey = "general.alignment";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<MetadataItem> _metadata = [];
    private readonly Dictionary<string, MetadataItem> _metadataByKey = new(StringComparer.Ordinal);
    private readonly List<TensorItem> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    private sealed record MetadataItem(string Key, byte[] KeyBytes, GgufValueType Type, byte[] Payload);

    private sealed record TensorItem(string Name, byte[] NameBytes, GgmlType Type, long[] Ne, long ByteSize, Action<Stream>? WriteData);

    /// <summary>Alignment of tensor data in the file written.</summary>
    public int Alignment { get; private set; } = DefaultAlignment;

    public int MetadataCount => _metadata.Count;

    public int TensorCount => _tensors.Count;

    public IEnumerable<string> Keys => _metadata.Select(m => m.Key);

    public IEnumerable<string> TensorNames => _tensors.Select(t => t.Name);

    public bool ContainsKey(string key) => _metadataByKey.ContainsKey(key);

    public bool ContainsTensor(string name) => _tensorNames.Contains(name);

    // ------------------------------------------------------------------ metadata

    public void AddUInt8(string key, byte value) => AddScalar(key, GgufValueType.UInt8, value);
    public void AddInt8(string key, sbyte value) => AddScalar(key, GgufValueType.Int8, value);
    public void AddUInt16(string key, ushort value) => AddScalar(key, GgufValueType.UInt16, value);
    public void AddInt16(string key, short value) => AddScalar(key, GgufValueType.Int16, value);
    public void AddUInt32(string key, uint value) => AddScalar(key, GgufValueType.UInt32, value);
    public void AddInt32(string key, int value) => AddScalar(key, GgufValueType.Int32, value);
    public void AddUInt64(string key, ulong value) => AddScalar(key, GgufValueType.UInt64, value);
    public void AddInt64(string key, long value) => AddScalar(key, GgufValueType.Int64, value);
    public void AddFloat32(string key, float value) => AddScalar(key, GgufValueType.Float32, value);
    public void AddFloat64(string key, double value) => AddScalar(key, GgufValueType.Float64, value);
    public void AddBool(string key, bool value) => AddScalar(key, GgufValueType.Bool, value);

    public void AddString(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var payload = new MemoryStream();
        WriteString(payload, Utf8Bytes(value, $"value of '{key}'"));
        AddItem(key, GgufValueType.String, payload.ToArray());
    }

    /// <summary>
    /// An array of scalars; the element type follows T: byte=UInt8, sbyte=Int8, ushort, short, uint,
    /// int, ulong, long, float=Float32, double=Float64, bool.
    /// </summary>
    public void AddArray<T>(string key, ReadOnlySpan<T> values) where T : unmanaged
    {
        GgufValueType elementType = GgufMetadata.ElementTypeOf<T>();
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(values);
        var payload = new byte[12 + bytes.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)elementType);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(4), (ulong)values.Length);
        bytes.CopyTo(payload.AsSpan(12));
        AddItem(key, GgufValueType.Array, payload);
    }

    public void AddStringArray(string key, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var payload = new MemoryStream();
        Span<byte> header = stackalloc byte[12];
        payload.Write(header); // element type and count, filled in below
        long count = 0;
        foreach (string value in values)
        {
            if (value is null) throw new ArgumentException($"element {count} of string array '{key}' is null", nameof(values));
            WriteString(payload, Utf8Bytes(value, $"element {count} of '{key}'"));
            count++;
        }
        byte[] bytes = payload.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)GgufValueType.String);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(4), (ulong)count);
        AddItem(key, GgufValueType.Array, bytes);
    }

    /// <summary>Copies an entry read from a GGUF file verbatim (its file must still be open).</summary>
    public void Add(GgufMetadataEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AddItem(entry.Key, entry.Type, entry.RawValue().ToArray());
    }

    /// <summary>Removes a key; false if it was not there.</summary>
    public bool Remove(string key)
    {
        if (!_metadataByKey.Remove(key, out MetadataItem? item)) return false;
        _metadata.Remove(item);
        if (key == AlignmentKey) Alignment = DefaultAlignment;
        return true;
    }

    private void AddScalar<T>(string key, GgufValueType type, T value) where T : unmanaged =>
        AddItem(key, type, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray());

    private void AddItem(string key, GgufValueType type, byte[] payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        byte[] keyBytes = Utf8Bytes(key, "key");
        if (_metadataByKey.ContainsKey(key)) throw new ArgumentException($"metadata key '{key}' is already added", nameof(key));
        if (key == AlignmentKey)
        {
            uint alignment = type == GgufValueType.UInt32 ? BinaryPrimitives.ReadUInt32LittleEndian(payload)
                : throw new ArgumentException($"'{AlignmentKey}' must be a UInt32 (llama.cpp reads it as one), not {type}", nameof(key));
            if (alignment == 0 || alignment > 1 << 30 || (alignment & (alignment - 1)) != 0)
                throw new ArgumentException($"'{AlignmentKey}' must be a power of two up to 2^30, not {alignment}", nameof(key));
            Alignment = (int)alignment;
        }
        var item = new MetadataItem(key, keyBytes, type, payload);
        _metadata.Add(item);
        _metadataByKey.Add(key, item);
    }

    // ------------------------------------------------------------------ tensors

    /// <summary>Adds a tensor whose bytes are copied now; <paramref name="data"/> must hold exactly its byte size.</summary>
    public void AddTensor(string name, GgmlType type, ReadOnlySpan<long> dimensions, ReadOnlySpan<byte> data)
    {
        long size = ValidateTensor(name, type, dimensions, out byte[] nameBytes);
        if (data.Length != size)
            throw new ArgumentException($"tensor '{name}' {type.Name()} [{string.Join(", ", dimensions.ToArray())}] takes {size} bytes but {data.Length} were given", nameof(data));
        byte[] copy = data.ToArray();
        _tensors.Add(new TensorItem(name, nameBytes, type, dimensions.ToArray(), size, s => s.Write(copy)));
        _tensorNames.Add(name);
    }

    /// <summary>
    /// Adds a tensor whose bytes <paramref name="writeData"/> writes into the output when the file is
    /// written (so a large tensor never sits in memory whole). It must write exactly the byte size.
    /// </summary>
    public void AddTensor(string name, GgmlType type, ReadOnlySpan<long> dimensions, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        long size = ValidateTensor(name, type, dimensions, out byte[] nameBytes);
        _tensors.Add(new TensorItem(name, nameBytes, type, dimensions.ToArray(), size, writeData));
        _tensorNames.Add(name);
    }

    /// <summary>
    /// Adds a tensor whose bytes are all zero. Written to a seekable stream (a file) it is a hole: the file
    /// is sparse, so a model of real widths (hundreds of GB) takes no disk space — for tests of loading and
    /// checking real shapes. Zero bytes decode to zero weights in every ggml format with per-block scales.
    /// </summary>
    public void AddZeroTensor(string name, GgmlType type, ReadOnlySpan<long> dimensions)
    {
        long size = ValidateTensor(name, type, dimensions, out byte[] nameBytes);
        _tensors.Add(new TensorItem(name, nameBytes, type, dimensions.ToArray(), size, null));
        _tensorNames.Add(name);
    }

    /// <summary>Adds a tensor of an open GGUF file; its bytes are copied from the mapping at write time (keep the file open until then).</summary>
    public unsafe void AddTensor(GgufTensor source, string? name = null)
    {
        GgufTensor t = source;
        AddTensor(name ?? t.Name, t.Type, t.Dimensions, output => CopyFromPointer((byte*)t.Pointer, t.ByteSize, output));
    }

    private static unsafe void CopyFromPointer(byte* data, long bytes, Stream output)
    {
        const int chunk = 16 << 20;
        for (long done = 0; done < bytes; done += chunk)
            output.Write(new ReadOnlySpan<byte>(data + done, (int)Math.Min(chunk, bytes - done)));
    }

    private long ValidateTensor(string name, GgmlType type, ReadOnlySpan<long> dimensions, out byte[] nameBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        nameBytes = Utf8Bytes(name, "tensor name");
        if (nameBytes.Length > MaxTensorNameBytes)
            throw new ArgumentException($"tensor name '{name}' is {nameBytes.Length} bytes; ggml allows at most {MaxTensorNameBytes}", nameof(name));
        if (_tensorNames.Contains(name)) throw new ArgumentException($"tensor '{name}' is already added", nameof(name));
        if (!GgmlTypes.HasLayout((uint)type))
            throw new ArgumentException($"tensor '{name}': {type} is not a ggml type with a block layout", nameof(type));
        if (dimensions.Length > 4) throw new ArgumentException($"tensor '{name}' has {dimensions.Length} dimensions; GGUF allows at most 4", nameof(dimensions));
        long elements = 1;
        foreach (long n in dimensions)
        {
            if (n <= 0) throw new ArgumentException($"tensor '{name}' has a dimension of {n}; dimensions must be positive", nameof(dimensions));
            elements = elements <= long.MaxValue / n ? elements * n
                : throw new ArgumentException($"tensor '{name}' [{string.Join(", ", dimensions.ToArray())}] has more than 2^63 elements", nameof(dimensions));
        }
        long ne0 = dimensions.Length > 0 ? dimensions[0] : 1;
        if (ne0 % type.BlockSize() != 0)
            throw new ArgumentException($"tensor '{name}': ne[0] = {ne0} is not a multiple of the {type.Name()} block size {type.BlockSize()}", nameof(dimensions));
        try
        {
            return type.ByteSize(elements);
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"tensor '{name}' [{string.Join(", ", dimensions.ToArray())}] of {type.Name()} has more than 2^63 bytes", nameof(dimensions));
        }
    }

    // ------------------------------------------------------------------ output

    /// <summary>
    /// Writes the file to a path through <see cref="OutputFile"/>: first to "PATH.partial" beside it, renamed
    /// over PATH only when complete (a device or FIFO is written in place). PATH must not be one of
    /// <paramref name="inputs"/> (the files the data is read from, which may be mapped while this writes).
    /// </summary>
    public void WriteTo(string path, IEnumerable<string>? inputs = null)
    {
        using OutputFile output = OutputFile.Create(path, inputs, bufferSize: 1 << 20);
        WriteTo(output.Stream);
        output.Commit();
    }

    /// <summary>Writes the file to a stream (which need not be seekable).</summary>
    public void WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var counted = new CountingStream(output);

        void U32(uint v)
        {
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(word, v);
            counted.Write(word);
        }
        void U64(ulong v)
        {
            Span<byte> word = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(word, v);
            counted.Write(word);
        }

        counted.Write("GGUF"u8);
        U32(3);
        U64((ulong)_tensors.Count);
        U64((ulong)_metadata.Count);
        foreach (MetadataItem m in _metadata)
        {
            U64((ulong)m.KeyBytes.Length);
            counted.Write(m.KeyBytes);
            U32((uint)m.Type);
            counted.Write(m.Payload);
        }
        long offset = 0;
        foreach (TensorItem t in _tensors)
        {
            U64((ulong)t.NameBytes.Length);
            counted.Write(t.NameBytes);
            U32((uint)t.Ne.Length);
            foreach (long n in t.Ne) U64((ulong)n);
            U32((uint)t.Type);
            U64((ulong)offset);
            offset += Pad(t.ByteSize);
        }
        // The data section starts aligned; a file without tensors has none and ends here (as
        // vocabulary-only files from llama.cpp do).
        if (_tensors.Count > 0) WriteZeros(counted, Pad(counted.Position) - counted.Position);

        foreach (TensorItem t in _tensors)
        {
            long start = counted.Position;
            if (t.WriteData is null)
            {
                // A zero tensor: skipped over (a hole) when the output can seek, written out when it cannot.
                if (output.CanSeek) counted.Skip(Pad(t.ByteSize));
                else WriteZeros(counted, Pad(t.ByteSize));
                continue;
            }
            counted.Limit = start + t.ByteSize;
            t.WriteData(counted);
            counted.Limit = long.MaxValue;
            long written = counted.Position - start;
            if (written != t.ByteSize)
                throw new InvalidOperationException($"the data callback of tensor '{t.Name}' wrote {written} bytes; the tensor takes {t.ByteSize}");
            WriteZeros(counted, Pad(t.ByteSize) - t.ByteSize);
        }
        // Holes at the end only exist once the length covers them.
        if (output.CanSeek && output.Length < output.Position) output.SetLength(output.Position);
        counted.Flush();
    }

    private long Pad(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    private static void WriteZeros(Stream output, long count)
    {
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        for (; count > 0; count -= zeros.Length) output.Write(zeros[..(int)Math.Min(count, zeros.Length)]);
    }

    private static void WriteString(Stream output, byte[] utf8)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)utf8.Length);
        output.Write(length);
        output.Write(utf8);
    }

    private static byte[] Utf8Bytes(string text, string what)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"{what} is not valid Unicode (a lone surrogate at index {e.Index}): '{text}'", e);
        }
    }

    /// <summary>Forwards writes, counts bytes (the target need not be seekable) and stops a callback that writes too much.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Limit { get; set; } = long.MaxValue;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get; set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length > Limit - Position)
                throw new InvalidOperationException($"a tensor data callback wrote past the tensor's end ({Position + buffer.Length - Limit} bytes too many)");
            inner.Write(buffer);
            Position += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        /// <summary>Moves a seekable output forward without writing (leaves a hole in a file).</summary>
        public void Skip(long bytes)
        {
            inner.Seek(bytes, SeekOrigin.Current);
            Position += bytes;
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
