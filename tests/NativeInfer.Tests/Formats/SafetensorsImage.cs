using System.Buffers.Binary;
using System.Text;

namespace NativeInfer.Tests.Formats;

/// <summary>Builds safetensors bytes by hand: 8-byte little-endian header length, JSON header, data.</summary>
internal static class SafetensorsImage
{
    public static byte[] Build(string headerJson, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var image = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(image, (ulong)header.Length);
        header.CopyTo(image, 8);
        data.CopyTo(image, 8 + header.Length);
        return image;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }
}
