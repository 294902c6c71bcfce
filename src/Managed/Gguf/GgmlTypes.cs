namespace NativeInfer.Gguf;

/// <summary>
/// The traits table of <see cref="GgmlType"/>: ggml's name, values per block and bytes per block,
/// one row per id (sizes from ggml-common.h's block structs). A removed id has a name but no layout.
/// </summary>
public static class GgmlTypes
{
    private readonly record struct Traits(string Name, int BlockSize, int BlockBytes);

    // Indexed by id; BlockSize 0 marks an id ggml has removed.
    private static readonly Traits[] Table =
    [
        new("f32", 1, 4),          // 0
        new("f16", 1, 2),          // 1
        new("q4_0", 32, 18),       // 2: fp16 d + 16 bytes of nibbles
        new("q4_1", 32, 20),       // 3: fp16 d, m + 16 bytes
        new("q4_2", 0, 0),         // 4 removed
        new("q4_3", 0, 0),         // 5 removed
        new("q5_0", 32, 22),       // 6: fp16 d + 4 bytes high bits + 16 bytes
        new("q5_1", 32, 24),       // 7
        new("q8_0", 32, 34),       // 8: fp16 d + 32 int8
        new("q8_1", 32, 36),       // 9: fp16 d, s + 32 int8
        new("q2_K", 256, 84),      // 10
        new("q3_K", 256, 110),     // 11
        new("q4_K", 256, 144),     // 12
        new("q5_K", 256, 176),     // 13
        new("q6_K", 256, 210),     // 14
        new("q8_K", 256, 292),     // 15: f32 d + 256 int8 + 16 int16 sums
        new("iq2_xxs", 256, 66),   // 16
        new("iq2_xs", 256, 74),    // 17
        new("iq3_xxs", 256, 98),   // 18
        new("iq1_s", 256, 50),     // 19
        new("iq4_nl", 32, 18),     // 20
        new("iq3_s", 256, 110),    // 21
        new("iq2_s", 256, 82),     // 22
        new("iq4_xs", 256, 136),   // 23
        new("i8", 1, 1),           // 24
        new("i16", 1, 2),          // 25
        new("i32", 1, 4),          // 26
        new("i64", 1, 8),          // 27
        new("f64", 1, 8),          // 28
        new("iq1_m", 256, 56),     // 29
        new("bf16", 1, 2),         // 30
        new("q4_0_4_4", 0, 0),     // 31 removed
        new("q4_0_4_8", 0, 0),     // 32 removed
        new("q4_0_8_8", 0, 0),     // 33 removed
        new("tq1_0", 256, 54),     // 34
        new("tq2_0", 256, 66),     // 35
        new("iq4_nl_4_4", 0, 0),   // 36 removed
        new("iq4_nl_4_8", 0, 0),   // 37 removed
        new("iq4_nl_8_8", 0, 0),   // 38 removed
        new("mxfp4", 32, 17),      // 39: e8m0 scale + 16 bytes of fp4 pairs
    ];

    /// <summary>Every id this table knows, removed ones included.</summary>
    public static int Count => Table.Length;

    /// <summary>True for ids ggml defines (including removed ones); false for anything else.</summary>
    public static bool IsDefined(uint id) => id < (uint)Table.Length;

    /// <summary>True for ids ggml has retired; files using them cannot be read.</summary>
    public static bool IsRemoved(this GgmlType type) => Get(type).BlockSize == 0;

    /// <summary>True when the type has a block layout (defined and not removed).</summary>
    public static bool HasLayout(uint id) => id < (uint)Table.Length && Table[id].BlockSize != 0;

    /// <summary>ggml's spelling ("q4_K", "bf16").</summary>
    public static string Name(this GgmlType type) => Get(type).Name;

    /// <summary>Values per block (1 for plain element types).</summary>
    public static int BlockSize(this GgmlType type) => RequireLayout(type).BlockSize;

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(this GgmlType type) => RequireLayout(type).BlockBytes;

    /// <summary>Bytes of <paramref name="values"/> values; throws if not a block multiple or on overflow.</summary>
    public static long ByteSize(this GgmlType type, long values)
    {
        Traits t = RequireLayout(type);
        ArgumentOutOfRangeException.ThrowIfNegative(values);
        if (values % t.BlockSize != 0)
            throw new ArgumentException($"{values} values of {t.Name} are not a multiple of its block size {t.BlockSize}", nameof(values));
        return checked(values / t.BlockSize * t.BlockBytes);
    }

    /// <summary>Parses ggml's name, case-insensitively ("Q4_K", "q4_k", "bf16"); removed types are not matched.</summary>
    public static bool TryParse(string name, out GgmlType type)
    {
        for (int i = 0; i < Table.Length; i++)
        {
            if (Table[i].BlockSize != 0 && string.Equals(Table[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                type = (GgmlType)i;
                return true;
            }
        }
        type = default;
        return false;
    }

    private static Traits Get(GgmlType type) =>
        (uint)type < (uint)Table.Length ? Table[(int)type] : throw new ArgumentOutOfRangeException(nameof(type), $"ggml type id {(int)type} is not defined");

    private static Traits RequireLayout(GgmlType type)
    {
        Traits t = Get(type);
        if (t.BlockSize == 0) throw new ArgumentException($"ggml type {t.Name} ({(int)type}) was removed from ggml and has no layout", nameof(type));
        return t;
    }
}
