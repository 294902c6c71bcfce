namespace NativeInfer.Formats;

/// <summary>The header spelling and element size of each <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    private static readonly (string Name, int Bytes)[] Table =
    [
        ("BOOL", 1), ("U8", 1), ("I8", 1), ("F8_E5M2", 1), ("F8_E4M3", 1), ("I16", 2), ("U16", 2), ("F16", 2), ("BF16", 2),
        ("I32", 4), ("U32", 4), ("F32", 4), ("F64", 8), ("I64", 8), ("U64", 8),
    ];

    /// <summary>Bytes per element.</summary>
    public static int ElementBytes(this SafetensorsDType dtype) => Table[(int)dtype].Bytes;

    /// <summary>The header's spelling ("BF16", "BOOL").</summary>
    public static string HeaderName(this SafetensorsDType dtype) => Table[(int)dtype].Name;

    /// <summary>Parses a header dtype (exact, upper case as the format writes it).</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        for (int i = 0; i < Table.Length; i++)
        {
            if (Table[i].Name == name)
            {
                dtype = (SafetensorsDType)i;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>Every dtype name, for error messages.</summary>
    public static string KnownNames => string.Join(", ", Table.Select(t => t.Name));
}
