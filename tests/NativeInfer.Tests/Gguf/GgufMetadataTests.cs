using NativeInfer.Gguf;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gguf;

/// <summary>Typed metadata access: every GGUF value type, strict errors, TryGet semantics, lenient getters.</summary>
public class GgufMetadataTests
{
    /// <summary>One key of every scalar type and arrays of several, written field by field.</summary>
    private static GgufFile EveryType()
    {
        var image = new GgufImage().Header(0, 19)
            .Str("u8").U32(0).U8(200)
            .Str("i8").U32(1).U8(0x80)                    // -128
            .Str("u16").U32(2).Raw([0xFF, 0xFF])          // 65535
            .Str("i16").U32(3).Raw([0x00, 0x80])          // -32768
            .Str("u32").U32(4).U32(4_000_000_000)
            .Str("i32").U32(5).U32(unchecked((uint)-7))
            .Str("f32").U32(6).U32(BitConverter.SingleToUInt32Bits(0.5f))
            .Str("bool").U32(7).U8(1)
            .Str("str").U32(8).Str("héllo")
            .Str("u64").U32(10).U64(ulong.MaxValue)
            .Str("i64").U32(11).U64(unchecked((ulong)-5L))
            .Str("f64").U32(12).U64(BitConverter.DoubleToUInt64Bits(-2.25))
            .Str("arr.i32").U32(9).U32(5).U64(3).U32(1).U32(unchecked((uint)-2)).U32(3)
            .Str("arr.f32").U32(9).U32(6).U64(2).U32(BitConverter.SingleToUInt32Bits(1.5f)).U32(BitConverter.SingleToUInt32Bits(-1f))
            .Str("arr.str").U32(9).U32(8).U64(3).Str("a").Str("").Str("ü c")
            .Str("arr.bool").U32(9).U32(7).U64(2).U8(0).U8(1)
            .Str("arr.u64").U32(9).U32(10).U64(2).U64(7).U64(ulong.MaxValue)
            .Str("arr.empty").U32(9).U32(12).U64(0)
            .Str("arr.u8").U32(9).U32(0).U64(3).Raw([1, 2, 255]);
        return GgufFile.FromMemory(image.ToArray(), "every-type.gguf");
    }

    [Test]
    public void StrictGetters_ReadEveryScalarType()
    {
        using GgufFile file = EveryType();
        GgufMetadata m = file.Metadata;
        Assert.That(m.GetUInt8("u8"), Is.EqualTo(200));
        Assert.That(m.GetInt8("i8"), Is.EqualTo(-128));
        Assert.That(m.GetUInt16("u16"), Is.EqualTo(65535));
        Assert.That(m.GetInt16("i16"), Is.EqualTo(-32768));
        Assert.That(m.GetUInt32("u32"), Is.EqualTo(4_000_000_000u));
        Assert.That(m.GetInt32("i32"), Is.EqualTo(-7));
        Assert.That(m.GetFloat32("f32"), Is.EqualTo(0.5f));
        Assert.That(m.GetBool("bool"), Is.True);
        Assert.That(m.GetString("str"), Is.EqualTo("héllo"));
        Assert.That(m.GetUInt64("u64"), Is.EqualTo(ulong.MaxValue));
        Assert.That(m.GetInt64("i64"), Is.EqualTo(-5));
        Assert.That(m.GetFloat64("f64"), Is.EqualTo(-2.25));
        Assert.That(m.Select(e => e.Type).Distinct().Count(), Is.EqualTo(13), "all 13 value types present");
    }

    [Test]
    public void ArrayGetters_ReadEveryShape()
    {
        using GgufFile file = EveryType();
        GgufMetadata m = file.Metadata;
        Assert.That(m.GetInt32Array("arr.i32"), Is.EqualTo(new[] { 1, -2, 3 }));
        Assert.That(m.GetArray<int>("arr.i32"), Is.EqualTo(new[] { 1, -2, 3 }));
        Assert.That(m.GetFloat32Array("arr.f32"), Is.EqualTo(new[] { 1.5f, -1f }));
        Assert.That(m.GetStringArray("arr.str"), Is.EqualTo(new[] { "a", "", "ü c" }));
        Assert.That(m.GetBoolArray("arr.bool"), Is.EqualTo(new[] { false, true }));
        Assert.That(m.GetUInt64Array("arr.u64"), Is.EqualTo(new[] { 7UL, ulong.MaxValue }));
        Assert.That(m.GetFloat64Array("arr.empty"), Is.Empty);
        Assert.That(m.GetUInt8Array("arr.u8"), Is.EqualTo(new byte[] { 1, 2, 255 }));
        Assert.That(m.GetIntegerArray("arr.i32"), Is.EqualTo(new long[] { 1, -2, 3 }));
        Assert.That(m.GetIntegerArray("arr.u8"), Is.EqualTo(new long[] { 1, 2, 255 }));
        Assert.That(m.GetEntry("arr.str").GetValue(), Is.EqualTo(new[] { "a", "", "ü c" }));
        Assert.That(m.GetEntry("i16").GetValue(), Is.EqualTo((short)-32768));
    }

    [Test]
    public void StringArray_ReturnsACopyOfTheCache()
    {
        using GgufFile file = EveryType();
        string[] first = file.Metadata.GetStringArray("arr.str");
        first[0] = "changed";
        Assert.That(file.Metadata.GetStringArray("arr.str")[0], Is.EqualTo("a"));
    }

    [Test]
    public void WrongType_NamesKeyExpectedAndActual()
    {
        using GgufFile file = EveryType();
        var e = Assert.Throws<GgufMetadataException>(() => file.Metadata.GetInt32("u32"))!;
        Assert.That(e.Key, Is.EqualTo("u32"));
        Assert.That(e.Expected, Is.EqualTo("Int32"));
        Assert.That(e.Actual, Is.EqualTo("UInt32"));
        Assert.That(e.Message, Is.EqualTo("every-type.gguf: metadata key 'u32' is UInt32, expected Int32"));

        var a = Assert.Throws<GgufMetadataException>(() => file.Metadata.GetFloat32Array("arr.i32"))!;
        Assert.That(a.Message, Is.EqualTo("every-type.gguf: metadata key 'arr.i32' is array of Int32 [3], expected array of Float32"));
        Assert.Throws<GgufMetadataException>(() => file.Metadata.GetString("arr.str"));
        Assert.Throws<GgufMetadataException>(() => file.Metadata.GetStringArray("str"));
    }

    [Test]
    public void MissingKey_NamesKey()
    {
        using GgufFile file = EveryType();
        var e = Assert.Throws<GgufMetadataException>(() => file.Metadata.GetUInt32("deepseek2.block_count"))!;
        Assert.That(e.IsMissing, Is.True);
        Assert.That(e.Message, Is.EqualTo("every-type.gguf: metadata key 'deepseek2.block_count' is missing (expected UInt32)"));
        Assert.That(file.Metadata.Contains("deepseek2.block_count"), Is.False);
        Assert.That(file.Metadata.TypeOf("deepseek2.block_count"), Is.Null);
    }

    [Test]
    public void TryGet_FalseWhenAbsent_ThrowsWhenPresentWithAnotherType()
    {
        using GgufFile file = EveryType();
        GgufMetadata m = file.Metadata;
        Assert.That(m.TryGetUInt32("absent", out uint none), Is.False);
        Assert.That(none, Is.Zero);
        Assert.That(m.TryGetUInt32("u32", out uint v), Is.True);
        Assert.That(v, Is.EqualTo(4_000_000_000u));
        Assert.That(m.TryGetString("str", out string s) && s == "héllo", Is.True);
        Assert.That(m.TryGetStringArray("absent", out string[] empty), Is.False);
        Assert.That(empty, Is.Empty);
        Assert.That(m.TryGetArray("arr.f32", out float[] f) && f.Length == 2, Is.True);
        Assert.Throws<GgufMetadataException>(() => m.TryGetInt32("u32", out _));
        Assert.Throws<GgufMetadataException>(() => m.TryGetArray<long>("arr.i32", out _));
    }

    [Test]
    public void Lenient_IntegerAcceptsEveryIntegerWidth()
    {
        using GgufFile file = EveryType();
        GgufMetadata m = file.Metadata;
        var expected = new Dictionary<string, long>
        {
            ["u8"] = 200, ["i8"] = -128, ["u16"] = 65535, ["i16"] = -32768, ["u32"] = 4_000_000_000, ["i32"] = -7, ["i64"] = -5,
        };
        foreach (var (key, value) in expected)
        {
            Assert.That(m.TryGetInteger(key, out long got), Is.True, key);
            Assert.That(got, Is.EqualTo(value), key);
        }
        Assert.That(m.TryGetInteger("absent", out _), Is.False);
        var tooBig = Assert.Throws<GgufMetadataException>(() => m.TryGetInteger("u64", out _))!;
        Assert.That(tooBig.Message, Does.Contain("fits in Int64").And.Contain("18446744073709551615"));
        Assert.Throws<GgufMetadataException>(() => m.TryGetInteger("f32", out _));
        Assert.Throws<GgufMetadataException>(() => m.GetInteger("bool"));
    }

    [Test]
    public void Lenient_RealAcceptsFloatsAndIntegers()
    {
        using GgufFile file = EveryType();
        GgufMetadata m = file.Metadata;
        Assert.That(m.GetReal("f32"), Is.EqualTo(0.5));
        Assert.That(m.GetReal("f64"), Is.EqualTo(-2.25));
        Assert.That(m.GetReal("i32"), Is.EqualTo(-7.0));
        Assert.That(m.GetReal("u64"), Is.EqualTo(18446744073709551615.0));
        Assert.That(m.TryGetReal("absent", out _), Is.False);
        Assert.Throws<GgufMetadataException>(() => m.GetReal("str"));
        Assert.Throws<GgufMetadataException>(() => m.GetReal("arr.f32"));
    }

    [Test]
    public void Enumeration_KeepsFileOrderAndTypes()
    {
        using GgufFile file = EveryType();
        Assert.That(file.Metadata.Keys.Take(4), Is.EqualTo(new[] { "u8", "i8", "u16", "i16" }));
        Assert.That(file.Metadata[8].TypeName, Is.EqualTo("String"));
        Assert.That(file.Metadata.GetEntry("arr.str").TypeName, Is.EqualTo("array of String [3]"));
        Assert.That(file.Metadata.GetEntry("u32").Offset, Is.EqualTo(24 + 15 + 15 + 17 + 17), "entries record where they start: after four (8 + key + 4 + value)-byte entries");
    }

    [Test]
    public void RealFile_CountsAreUInt32AndLenientReadersAgree()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf"));
        GgufMetadata m = file.Metadata;
        Assert.That(m.GetEntry("qwen2moe.expert_count").Type, Is.EqualTo(GgufValueType.UInt32));
        Assert.That(m.GetInteger("qwen2moe.expert_count"), Is.EqualTo(8));
        Assert.That(m.GetInteger("qwen2moe.attention.head_count_kv"), Is.EqualTo(2));
        Assert.That(m.GetReal("qwen2moe.rope.freq_base"), Is.EqualTo(1_000_000.0));
        Assert.That(m.GetIntegerArray("tokenizer.ggml.token_type").Take(5), Is.EqualTo(new long[] { 2, 3, 3, 6, 6 }));
    }
}
