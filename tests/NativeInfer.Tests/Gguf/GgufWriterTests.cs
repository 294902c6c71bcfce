using NativeInfer.Gguf;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gguf;

/// <summary>GgufWriter: byte layout against a hand-built image, round trips, validation, and re-writing the shared files.</summary>
public class GgufWriterTests
{
    private static byte[] Write(GgufWriter writer)
    {
        var stream = new MemoryStream();
        writer.WriteTo(stream);
        return stream.ToArray();
    }

    [Test]
    public void Write_MatchesAHandBuiltImageByteForByte()
    {
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "llama");
        writer.AddUInt32("llama.block_count", 2);
        writer.AddArray<float>("scores", [1.5f, -2f]);
        writer.AddStringArray("tokens", ["a", "bc"]);
        byte[] data = Enumerable.Range(0, 128).Select(i => (byte)i).ToArray();
        writer.AddTensor("w", GgmlType.F32, [32], data);
        writer.AddTensor("v", GgmlType.Q8_0, [32, 2], output => output.Write(new byte[68]));

        var expected = new GgufImage().Header(2, 4)
            .KvString("general.architecture", "llama")
            .KvU32("llama.block_count", 2)
            .Str("scores").U32(9).U32(6).U64(2).U32(BitConverter.SingleToUInt32Bits(1.5f)).U32(BitConverter.SingleToUInt32Bits(-2f))
            .Str("tokens").U32(9).U32(8).U64(2).Str("a").Str("bc")
            .Tensor("w", 0, 0, 32)
            .Tensor("v", 8, 128, 32, 2)
            .PadTo(32).Raw(data).Zeros(68).PadTo(32);
        Assert.That(Write(writer), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void RoundTrip_EveryValueType()
    {
        var writer = new GgufWriter();
        writer.AddUInt8("u8", 250);
        writer.AddInt8("i8", -100);
        writer.AddUInt16("u16", 60000);
        writer.AddInt16("i16", -30000);
        writer.AddUInt32("u32", 3_000_000_000);
        writer.AddInt32("i32", -2_000_000_000);
        writer.AddFloat32("f32", float.Epsilon);
        writer.AddBool("bool", true);
        writer.AddString("str", "日本語 ✓");
        writer.AddUInt64("u64", ulong.MaxValue - 1);
        writer.AddInt64("i64", long.MinValue);
        writer.AddFloat64("f64", Math.PI);
        writer.AddArray<byte>("a.u8", [0, 255]);
        writer.AddArray<sbyte>("a.i8", [-1, 1]);
        writer.AddArray<ushort>("a.u16", [1, 65535]);
        writer.AddArray<short>("a.i16", [-1, 2]);
        writer.AddArray<uint>("a.u32", [uint.MaxValue]);
        writer.AddArray<int>("a.i32", [-3, 4, 5]);
        writer.AddArray<ulong>("a.u64", [ulong.MaxValue]);
        writer.AddArray<long>("a.i64", [long.MinValue, 0]);
        writer.AddArray<float>("a.f32", [float.NaN, 1f]);
        writer.AddArray<double>("a.f64", [double.NegativeInfinity]);
        writer.AddArray<bool>("a.bool", [true, false, true]);
        writer.AddStringArray("a.str", ["", "x", "Ġ Ġ"]);
        writer.AddArray<int>("a.empty", []);

        using GgufFile file = GgufFile.FromMemory(Write(writer));
        GgufMetadata m = file.Metadata;
        Assert.That(file.Version, Is.EqualTo(3));
        Assert.That(m.Keys, Is.EqualTo(writer.Keys));
        Assert.That(m.GetUInt8("u8"), Is.EqualTo(250));
        Assert.That(m.GetInt8("i8"), Is.EqualTo(-100));
        Assert.That(m.GetUInt16("u16"), Is.EqualTo(60000));
        Assert.That(m.GetInt16("i16"), Is.EqualTo(-30000));
        Assert.That(m.GetUInt32("u32"), Is.EqualTo(3_000_000_000));
        Assert.That(m.GetInt32("i32"), Is.EqualTo(-2_000_000_000));
        Assert.That(m.GetFloat32("f32"), Is.EqualTo(float.Epsilon));
        Assert.That(m.GetBool("bool"), Is.True);
        Assert.That(m.GetString("str"), Is.EqualTo("日本語 ✓"));
        Assert.That(m.GetUInt64("u64"), Is.EqualTo(ulong.MaxValue - 1));
        Assert.That(m.GetInt64("i64"), Is.EqualTo(long.MinValue));
        Assert.That(m.GetFloat64("f64"), Is.EqualTo(Math.PI));
        Assert.That(m.GetUInt8Array("a.u8"), Is.EqualTo(new byte[] { 0, 255 }));
        Assert.That(m.GetInt8Array("a.i8"), Is.EqualTo(new sbyte[] { -1, 1 }));
        Assert.That(m.GetUInt16Array("a.u16"), Is.EqualTo(new ushort[] { 1, 65535 }));
        Assert.That(m.GetInt16Array("a.i16"), Is.EqualTo(new short[] { -1, 2 }));
        Assert.That(m.GetUInt32Array("a.u32"), Is.EqualTo(new[] { uint.MaxValue }));
        Assert.That(m.GetInt32Array("a.i32"), Is.EqualTo(new[] { -3, 4, 5 }));
        Assert.That(m.GetUInt64Array("a.u64"), Is.EqualTo(new[] { ulong.MaxValue }));
        Assert.That(m.GetInt64Array("a.i64"), Is.EqualTo(new[] { long.MinValue, 0 }));
        Assert.That(BitConverter.SingleToInt32Bits(m.GetFloat32Array("a.f32")[0]), Is.EqualTo(BitConverter.SingleToInt32Bits(float.NaN)));
        Assert.That(m.GetFloat64Array("a.f64"), Is.EqualTo(new[] { double.NegativeInfinity }));
        Assert.That(m.GetBoolArray("a.bool"), Is.EqualTo(new[] { true, false, true }));
        Assert.That(m.GetStringArray("a.str"), Is.EqualTo(new[] { "", "x", "Ġ Ġ" }));
        Assert.That(m.GetInt32Array("a.empty"), Is.Empty);
        Assert.That(file.Tensors, Is.Empty);
    }

    [Test]
    public void RoundTrip_TensorsKeepTypeShapeAndBytes()
    {
        var random = new Random(7);
        byte[] f32 = new byte[64 * 3 * 4], q4 = new byte[18 * 2 * 5 * 2], q6k = new byte[210];
        random.NextBytes(f32);
        random.NextBytes(q4);
        random.NextBytes(q6k);
        var writer = new GgufWriter();
        writer.AddTensor("a", GgmlType.F32, [64, 3], f32);
        writer.AddTensor("b.experts", GgmlType.Q4_0, [64, 5, 2], q4);
        writer.AddTensor("c", GgmlType.Q6_K, [256], output => { output.Write(q6k, 0, 100); output.Write(q6k, 100, 110); });

        using GgufFile file = GgufFile.FromMemory(Write(writer));
        Assert.That(file.Tensors.Select(t => t.ToString()), Is.EqualTo(new[] { "a f32 [64, 3]", "b.experts q4_0 [64, 5, 2]", "c q6_K [256]" }));
        Assert.That(file.GetTensor("a").AsSpan().ToArray(), Is.EqualTo(f32));
        Assert.That(file.GetTensor("b.experts").AsSpan().ToArray(), Is.EqualTo(q4));
        Assert.That(file.GetTensor("c").AsSpan().ToArray(), Is.EqualTo(q6k));
        Assert.That(file.Tensors.Select(t => t.DataOffset), Is.EqualTo(new long[] { 0, 768, 768 + 384 }));
    }

    [Test]
    public void Alignment_FromGeneralAlignment_AlignsDataSectionAndEveryTensor()
    {
        var writer = new GgufWriter();
        writer.AddUInt32("general.alignment", 256);
        Assert.That(writer.Alignment, Is.EqualTo(256));
        writer.AddTensor("a", GgmlType.F32, [3], new byte[12]);
        writer.AddTensor("b", GgmlType.F16, [5], new byte[10]);
        using GgufFile file = GgufFile.FromMemory(Write(writer));
        Assert.That(file.Alignment, Is.EqualTo(256));
        Assert.That(file.DataOffset % 256, Is.Zero);
        Assert.That(file.GetTensor("b").DataOffset, Is.EqualTo(256));
        Assert.That(file.Length, Is.EqualTo(file.DataOffset + 512));
        writer.Remove("general.alignment");
        Assert.That(writer.Alignment, Is.EqualTo(32));
    }

    [Test]
    public void InvalidInput_ThrowsArgumentExceptionNamingTheProblem()
    {
        var writer = new GgufWriter();
        writer.AddUInt32("k", 1);
        writer.AddTensor("t", GgmlType.F32, [4], new byte[16]);
        void Fails(Action add, string words) =>
            Assert.That(Assert.Throws<ArgumentException>(() => add())!.Message, Does.Contain(words));

        Fails(() => writer.AddInt32("k", 2), "metadata key 'k' is already added");
        Fails(() => writer.AddString("", "x"), "empty");
        Fails(() => writer.AddString("bad", "\uD800"), "value of 'bad' is not valid Unicode");
        Fails(() => writer.AddUInt64("general.alignment", 32), "must be a UInt32");
        Fails(() => writer.AddUInt32("general.alignment", 24), "power of two");
        Fails(() => writer.AddTensor("t", GgmlType.F32, [4], new byte[16]), "tensor 't' is already added");
        Fails(() => writer.AddTensor("u", GgmlType.F32, [4], new byte[15]), "takes 16 bytes but 15 were given");
        Fails(() => writer.AddTensor("u", GgmlType.Q4_K, [128], new byte[72]), "ne[0] = 128 is not a multiple of the q4_K block size 256");
        Fails(() => writer.AddTensor("u", GgmlType.F32, [1, 1, 1, 1, 1], new byte[4]), "at most 4");
        Fails(() => writer.AddTensor("u", GgmlType.F32, [4, 0], []), "dimension of 0");
        Fails(() => writer.AddTensor("u", GgmlType.Q4_0_4_4, [32], new byte[18]), "not a ggml type with a block layout");
        Fails(() => writer.AddTensor(new string('x', 64), GgmlType.F32, [1], new byte[4]), "at most 63");
        Fails(() => writer.AddTensor("u", GgmlType.F32, [1L << 40, 1L << 30], _ => { }), "more than 2^63");
        Assert.That(writer.TensorCount, Is.EqualTo(1));
        Assert.That(writer.MetadataCount, Is.EqualTo(1));
    }

    [Test]
    public void DataCallbackWritingTheWrongSize_FailsAndLeavesNoFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"short-{Guid.NewGuid():N}.gguf");
        var writer = new GgufWriter();
        writer.AddTensor("t", GgmlType.F32, [8], output => output.Write(new byte[31]));
        var e = Assert.Throws<InvalidOperationException>(() => writer.WriteTo(path))!;
        Assert.That(e.Message, Does.Contain("tensor 't' wrote 31 bytes; the tensor takes 32"));
        Assert.That(File.Exists(path) || File.Exists(path + ".partial"), Is.False);

        var tooLong = new GgufWriter();
        tooLong.AddTensor("t", GgmlType.F32, [8], output => output.Write(new byte[33]));
        Assert.Throws<InvalidOperationException>(() => tooLong.WriteTo(new MemoryStream()));
    }

    [Test]
    public void WriteToPath_ReplacesTheFileWhenComplete()
    {
        string path = Path.Combine(Path.GetTempPath(), $"out-{Guid.NewGuid():N}.gguf");
        try
        {
            File.WriteAllText(path, "old");
            var writer = new GgufWriter();
            writer.AddString("general.name", "new");
            writer.WriteTo(path);
            using GgufFile file = GgufFile.Open(path);
            Assert.That(file.Metadata.GetString("general.name"), Is.EqualTo("new"));
            Assert.That(File.Exists(path + ".partial"), Is.False);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("quant/quant-reference.gguf")]
    [TestCase("models/tiny-deepseek2-q.gguf")]
    [TestCase("models/tiny-qwen2moe-f32.gguf")]
    [TestCase("vocab/ggml-vocab-deepseek-llm.gguf")]
    [TestCase("vocab/ggml-vocab-llama-spm.gguf")]
    public void Rewrite_SharedFile_IsByteIdenticalAndRereadsEqual(string relative)
    {
        string path = RepoPaths.RequireTestData(relative);
        using GgufFile source = GgufFile.Open(path);
        var writer = new GgufWriter();
        foreach (GgufMetadataEntry entry in source.Metadata) writer.Add(entry);
        foreach (GgufTensor tensor in source.Tensors) writer.AddTensor(tensor);
        byte[] written = Write(writer);

        using GgufFile copy = GgufFile.FromMemory(written);
        Assert.That(copy.Metadata.Select(e => (e.Key, e.TypeName)), Is.EqualTo(source.Metadata.Select(e => (e.Key, e.TypeName))));
        foreach (GgufMetadataEntry e in source.Metadata)
            Assert.That(copy.Metadata.GetEntry(e.Key).GetValue(), Is.EqualTo(e.GetValue()), e.Key);
        Assert.That(copy.Tensors.Select(t => t.ToString()), Is.EqualTo(source.Tensors.Select(t => t.ToString())));
        foreach (GgufTensor t in source.Tensors)
            Assert.That(copy.GetTensor(t.Name).AsSpan().SequenceEqual(t.AsSpan()), Is.True, t.Name);

        // The shared files were written by the reference tooling in the same packed layout, so the
        // copy is not just equivalent but identical.
        Assert.That(written.AsSpan().SequenceEqual(File.ReadAllBytes(path)), Is.True, "byte-identical to the original");
    }
}
