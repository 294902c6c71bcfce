using System.Numerics;

namespace NativeInfer.Models.Checking;

/// <summary>A tensor holding NaN or infinite values, and where the first one is.</summary>
/// <param name="Name">The tensor.</param>
/// <param name="TypeName">Its type (F32, F16, BF16).</param>
/// <param name="Index">Element index (row-major over ggml's ne) of the first non-finite value.</param>
public sealed record NonFiniteTensor(string Name, string TypeName, long Index);

/// <summary>
/// Finds NaN and infinity in float weights without converting them: a value is non-finite exactly when its
/// exponent bits are all ones (F32 0x7F800000, F16 0x7C00, BF16 0x7F80), tested a vector at a time, so a
/// scan runs at memory speed (docs/config.md gives the measured rate). Quantized types are not scanned.
/// </summary>
public static class WeightScan
{
    /// <summary>Types the scan reads.</summary>
    public static bool Scans(string typeName) => typeName is "F32" or "F16" or "BF16";

    /// <summary>Index of the first NaN or infinity among <paramref name="elements"/> values at <paramref name="data"/>, or −1.</summary>
    public static unsafe long FirstNonFinite(string typeName, void* data, long elements) => typeName switch
    {
        "F32" => First((uint*)data, elements, 0x7F800000u),
        "F16" => First((ushort*)data, elements, (ushort)0x7C00),
        "BF16" => First((ushort*)data, elements, (ushort)0x7F80),
        _ => throw new ArgumentException($"type {typeName} is not scanned (F32, F16, BF16 are)", nameof(typeName)),
    };

    private static unsafe long First<T>(T* bits, long count, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        const int Chunk = 1 << 26; // spans are int-sized; tensors may not be
        var mask = new Vector<T>(exponent);
        for (long start = 0; start < count; start += Chunk)
        {
            var span = new ReadOnlySpan<T>(bits + start, (int)Math.Min(Chunk, count - start));
            int i = 0;
            for (; i + Vector<T>.Count <= span.Length; i += Vector<T>.Count)
                if (Vector.EqualsAny(Vector.BitwiseAnd(new Vector<T>(span[i..]), mask), mask)) break;
            for (; i < span.Length; i++)
                if ((span[i] & exponent) == exponent) return start + i;
        }
        return -1;
    }
}
