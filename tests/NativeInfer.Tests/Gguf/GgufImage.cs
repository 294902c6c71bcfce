using System.Buffers.Binary;
using System.Text;

namespace NativeInfer.Tests.Gguf;

/// <summary>
/// Writes GGUF bytes field by field, independently of GgufWriter, so tests can build both valid
/// images and every kind of broken one. <see cref="Position"/> tells a test where a field starts.
/// </summary>
internal sealed class GgufImage
{
    private readonly MemoryStream _bytes = new();

    public long Position => _bytes.Position;

    public GgufImage Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public GgufImage U8(byte v) => Raw([v]);

    public GgufImage U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Raw(b);
    }

    public GgufImage U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return Raw(b);
    }

    public GgufImage Str(string s) => StrBytes(Encoding.UTF8.GetBytes(s));

    public GgufImage StrBytes(byte[] utf8) => U64((ulong)utf8.Length).Raw(utf8);

    /// <summary>Magic, version and counts.</summary>
    public GgufImage Header(ulong tensors, ulong entries, uint version = 3) => Raw("GGUF"u8).U32(version).U64(tensors).U64(entries);

    public GgufImage KvU32(string key, uint value) => Str(key).U32(4).U32(value);

    public GgufImage KvString(string key, string value) => Str(key).U32(8).Str(value);

    /// <summary>A tensor table entry: name, n_dims, ne..., type, offset.</summary>
    public GgufImage Tensor(string name, uint type, ulong offset, params ulong[] ne)
    {
        Str(name).U32((uint)ne.Length);
        foreach (ulong n in ne) U64(n);
        return U32(type).U64(offset);
    }

    public GgufImage PadTo(int alignment) => Zeros((alignment - Position % alignment) % alignment);

    public GgufImage Zeros(long count) => Raw(new byte[count]);

    public byte[] ToArray() => _bytes.ToArray();
}
