using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using NativeInfer.Gguf;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gguf;

/// <summary>
/// The reader on the real files in ../shared/testdata. Expected values were read from the files by an
/// independent 40-line Python struct parser, not by this reader.
/// </summary>
public class GgufFileTests
{
    [Test]
    public void Open_QuantReference_HeaderTableAndOffsetsMatch()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("quant/quant-reference.gguf"));
        Assert.That(file.Version, Is.EqualTo(3));
        Assert.That(file.Alignment, Is.EqualTo(32));
        Assert.That(file.Metadata, Has.Count.EqualTo(2));
        Assert.That(file.Tensors, Has.Count.EqualTo(18));
        Assert.That(file.Metadata.GetString("general.architecture"), Is.EqualTo("quant-reference"));
        // The tensor table ends at byte 1147; the data section starts at the next multiple of 32.
        Assert.That(file.DataOffset, Is.EqualTo(1152));

        GgufTensor q4k = file.GetTensor("q4_k.q");
        Assert.That(q4k.Type, Is.EqualTo(GgmlType.Q4_K));
        Assert.That(q4k.Dimensions.ToArray(), Is.EqualTo(new long[] { 1024, 8 }));
        Assert.That(q4k.DataOffset, Is.EqualTo(39424));
        Assert.That(q4k.FileOffset, Is.EqualTo(1152 + 39424));
        Assert.That(q4k.ElementCount, Is.EqualTo(8192));
        Assert.That(q4k.ByteSize, Is.EqualTo(8 * 4 * 144));
        Assert.That(q4k.RowCount, Is.EqualTo(8));
        Assert.That(q4k.RowBytes, Is.EqualTo(4 * 144));
        Assert.That(q4k.Index, Is.EqualTo(4));
        Assert.That(file.Tensors.Select(t => t.Name).Take(4), Is.EqualTo(new[] { "q4_0.q", "q4_0.ref", "q8_0.q", "q8_0.ref" }));
        Assert.That(file.GetTensor("bf16.quant").Type, Is.EqualTo(GgmlType.BF16));
        Assert.That(file.GetTensor("bf16.quant").DataOffset, Is.EqualTo(154816));
    }

    [Test]
    public void Open_TinyDeepseek2Q_MetadataAndTensorTable()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf"));
        GgufMetadata m = file.Metadata;
        Assert.That(file.Tensors, Has.Count.EqualTo(63));
        Assert.That(m, Has.Count.EqualTo(39));
        Assert.That(m.GetString("general.architecture"), Is.EqualTo("deepseek2"));
        Assert.That(m.GetUInt32("deepseek2.expert_count"), Is.EqualTo(16));
        Assert.That(m.GetUInt32("deepseek2.block_count"), Is.EqualTo(4));
        Assert.That(m.GetUInt32("deepseek2.attention.q_lora_rank"), Is.EqualTo(96));
        Assert.That(m.GetFloat32("deepseek2.expert_weights_scale"), Is.EqualTo(16f));
        Assert.That(m.GetFloat32("deepseek2.attention.layer_norm_rms_epsilon"), Is.EqualTo(9.999999974752427e-07f));
        Assert.That(m.GetBool("deepseek2.expert_weights_norm"), Is.False);
        Assert.That(m.GetBool("tokenizer.ggml.add_bos_token"), Is.True);
        Assert.That(m.GetString("deepseek2.rope.scaling.type"), Is.EqualTo("yarn"));
        Assert.That(m.GetUInt32("tokenizer.ggml.bos_token_id"), Is.EqualTo(100000));
        Assert.That(m.TypeOf("tokenizer.ggml.token_type"), Is.EqualTo(GgufValueType.Array));
        Assert.That(m.GetEntry("tokenizer.ggml.token_type").ElementType, Is.EqualTo(GgufValueType.Int32));
        Assert.That(m.GetEntry("tokenizer.ggml.tokens").ArrayLength, Is.EqualTo(102400));
        Assert.That(m.GetEntry("tokenizer.ggml.merges").ArrayLength, Is.EqualTo(99757));
        Assert.That(m.Keys.First(), Is.EqualTo("general.architecture"));
        Assert.That(m.Keys.Last(), Is.EqualTo("general.file_type"));

        GgufTensor down = file.GetTensor("blk.1.ffn_down_exps.weight");
        Assert.That(down.Type, Is.EqualTo(GgmlType.Q4_K));
        Assert.That(down.Dimensions.ToArray(), Is.EqualTo(new long[] { 256, 64, 16 }));
        Assert.That(down.DataOffset, Is.EqualTo(14428288));
        Assert.That(down.RowCount, Is.EqualTo(64 * 16));
        Assert.That(file.GetTensor("blk.0.attn_q_b.weight").Type, Is.EqualTo(GgmlType.F16));
        Assert.That(file.GetTensor("blk.3.ffn_down_shexp.weight").Type, Is.EqualTo(GgmlType.Q6_K));
        // The last tensor ends exactly at the end of the file.
        GgufTensor last = file.Tensors[^1];
        Assert.That(last.FileOffset + last.ByteSize, Is.EqualTo(file.Length));
    }

    [Test]
    public void Open_DeepseekVocab_LoadsStringArraysFastAndExactly()
    {
        string path = RepoPaths.RequireTestData("vocab/ggml-vocab-deepseek-llm.gguf");
        using (GgufFile warm = GgufFile.Open(path)) warm.Metadata.GetStringArray("tokenizer.ggml.tokens"); // JIT warm-up

        var clock = Stopwatch.StartNew();
        using GgufFile file = GgufFile.Open(path);
        double openMs = clock.Elapsed.TotalMilliseconds;
        string[] tokens = file.Metadata.GetStringArray("tokenizer.ggml.tokens");
        string[] merges = file.Metadata.GetStringArray("tokenizer.ggml.merges");
        double totalMs = clock.Elapsed.TotalMilliseconds;
        TestContext.Out.WriteLine($"deepseek vocab: open {openMs:0.0} ms, open + decode 102400 tokens + 99757 merges {totalMs:0.0} ms");

        Assert.That(file.Tensors, Is.Empty);
        Assert.That(tokens, Has.Length.EqualTo(102400));
        Assert.That(merges, Has.Length.EqualTo(99757));
        Assert.That(tokens[0], Is.EqualTo("!"));
        Assert.That(tokens[5000], Is.EqualTo("ç©¶"));
        Assert.That(tokens[100000], Is.EqualTo("<｜begin▁of▁sentence｜>"));
        Assert.That(tokens[^1], Is.EqualTo("[PAD102399]"));
        Assert.That(merges[0], Is.EqualTo("Ġ Ġ"));
        Assert.That(merges[^1], Is.EqualTo("ç²ĺ èĨľ"));
        // SHA-256 of the entries joined by '\n', computed by the Python reader.
        Assert.That(Sha256Hex(string.Join('\n', tokens)), Is.EqualTo("791317a89031409f8bbdad4087e02e769cecaec4b25d1146d4c96a7fac1fb256"));
        Assert.That(Sha256Hex(string.Join('\n', merges)), Is.EqualTo("cb5bed793622288a0e1b699c5c4edad6ab40c361a3f52d3c645ae3f9806388e3"));

        int[] types = file.Metadata.GetInt32Array("tokenizer.ggml.token_type");
        Assert.That(types.Sum(), Is.EqualTo(109598));
        Assert.That(types[100000..100005], Is.EqualTo(new[] { 3, 3, 4, 4, 4 }));
        Assert.That(totalMs, Is.LessThan(500), "generous ceiling for a loaded CI machine; the target is well under 100 ms");
    }

    [Test]
    public void Open_LlamaSpmVocab_Float32ArrayMatches()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("vocab/ggml-vocab-llama-spm.gguf"));
        float[] scores = file.Metadata.GetFloat32Array("tokenizer.ggml.scores");
        Assert.That(scores, Has.Length.EqualTo(32000));
        Assert.That(scores[1000], Is.EqualTo(-741f));
        Assert.That(scores[31999], Is.EqualTo(-31740f));
        Assert.That(scores.Sum(x => (double)x), Is.EqualTo(-16503658723.0));
        Assert.That(file.Metadata.GetStringArray("tokenizer.ggml.tokens")[1000], Is.EqualTo("ied"));
        Assert.That(file.Metadata.GetUInt32("general.file_type"), Is.EqualTo(1));
        // A vocabulary-only file ends right after its table: the data section would start past the end.
        Assert.That(file.DataOffset, Is.GreaterThan(file.Length));
    }

    [TestCase("models/tiny-deepseek2-f32.gguf")]
    [TestCase("models/tiny-deepseek2-lite-f32.gguf")]
    [TestCase("models/tiny-deepseek2-q.gguf")]
    [TestCase("models/tiny-qwen2moe-f32.gguf")]
    [TestCase("models/tiny-qwen2moe-q.gguf")]
    public void Open_EveryModel_TensorsArePackedInTableOrderToTheEnd(string relative)
    {
        // llama.cpp's own layout: each tensor starts where the previous one's padded size ends, and the
        // last one ends the file. The reader computed offsets, sizes and the data start independently.
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData(relative));
        long expected = 0;
        foreach (GgufTensor t in file.Tensors)
        {
            Assert.That(t.DataOffset, Is.EqualTo(expected), t.Name);
            expected += (t.ByteSize + file.Alignment - 1) / file.Alignment * file.Alignment;
        }
        GgufTensor last = file.Tensors[^1];
        Assert.That(last.FileOffset + last.ByteSize, Is.EqualTo(file.Length));
    }

    [Test]
    public void Open_TinyDeepseek2Lite_HasTheLayoutTheReadmeDescribes()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.gguf"));
        Assert.That(file.Tensors, Has.Count.EqualTo(377));
        Assert.That(file.Metadata.GetUInt32("deepseek2.block_count"), Is.EqualTo(27));
        Assert.That(file.Metadata.Contains("deepseek2.attention.q_lora_rank"), Is.False);
        Assert.That(file.ContainsTensor("blk.0.attn_q.weight"), Is.True);
        Assert.That(file.ContainsTensor("blk.0.ffn_gate_exps.weight"), Is.False, "layer 0 is dense");
        Assert.That(file.GetTensor("blk.26.ffn_up_exps.weight").Dimensions.ToArray(), Is.EqualTo(new long[] { 64, 64, 8 }));
        Assert.That(file.GetTensor("token_embd.weight").Type, Is.EqualTo(GgmlType.Q8_0));
        Assert.That(file.GetTensor("output.weight").Type, Is.EqualTo(GgmlType.F16));
    }

    [Test]
    public void GetTensor_Missing_NamesTensorFileAndSimilarNames()
    {
        string path = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        using GgufFile file = GgufFile.Open(path);
        var e = Assert.Throws<KeyNotFoundException>(() => file.GetTensor("blk.9.attn_q.weight"))!;
        Assert.That(e.Message, Does.Contain("'blk.9.attn_q.weight'").And.Contain(path).And.Contain("54 tensors"));
        Assert.That(file.TryGetTensor("blk.9.attn_q.weight", out _), Is.False);
        Assert.That(file.TryGetTensor("blk.2.attn_q.bias", out GgufTensor bias), Is.True);
        Assert.That(bias.Dimensions.ToArray(), Is.EqualTo(new long[] { 64 }));
    }

    [Test]
    public void TensorViews_F32SpanMatchesBytesAtFileOffset()
    {
        string path = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        using GgufFile file = GgufFile.Open(path);
        GgufTensor norm = file.GetTensor("output_norm.weight");
        // Read the same bytes with plain file I/O at the absolute offset the reader reports.
        byte[] expected = new byte[norm.ByteSize];
        using (var stream = File.OpenRead(path))
        {
            stream.Position = norm.FileOffset;
            stream.ReadExactly(expected);
        }
        Assert.That(norm.AsSpan().ToArray(), Is.EqualTo(expected));
        Assert.That(norm.AsSpan<float>().Length, Is.EqualTo(64));
        Assert.That(norm.AsSpan<float>()[3], Is.EqualTo(BitConverter.ToSingle(expected, 12)));
        GgufTensor q = file.GetTensor("blk.1.attn_q.weight");
        Assert.That(q.Rows(2, 3).ToArray(), Is.EqualTo(q.AsSpan().Slice(2 * 256, 3 * 256).ToArray()));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Rows(63, 2));
    }

    [Test]
    public void Dispose_ThenPointerOrLazyArray_ThrowsObjectDisposed()
    {
        GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("vocab/ggml-vocab-llama-spm.gguf"));
        GgufMetadata metadata = file.Metadata;
        file.Dispose();
        Assert.That(metadata.GetString("general.name"), Is.EqualTo("llama-spm"), "scalars stay readable");
        Assert.Throws<ObjectDisposedException>(() => metadata.GetFloat32Array("tokenizer.ggml.scores"));
    }

    [Test]
    public void FromMemory_ParsesTheSameAsOpen()
    {
        string path = RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf");
        using GgufFile mapped = GgufFile.Open(path);
        using GgufFile memory = GgufFile.FromMemory(File.ReadAllBytes(path), "image");
        Assert.That(memory.Source, Is.EqualTo("image"));
        Assert.That(memory.Tensors.Select(t => (t.Name, t.Type, t.FileOffset, t.ByteSize)),
            Is.EqualTo(mapped.Tensors.Select(t => (t.Name, t.Type, t.FileOffset, t.ByteSize))));
        Assert.That(memory.Metadata.Select(e => e.ToString()), Is.EqualTo(mapped.Metadata.Select(e => e.ToString())));
        Assert.That(memory.GetTensor("blk.2.ffn_up_exps.weight").AsSpan().SequenceEqual(mapped.GetTensor("blk.2.ffn_up_exps.weight").AsSpan()));
    }

    [Test]
    public unsafe void FromPointer_ParsesNativeMemory()
    {
        byte[] bytes = File.ReadAllBytes(RepoPaths.RequireTestData("quant/quant-reference.gguf"));
        using var buffer = new NativeInfer.Native.NativeBuffer(bytes.Length);
        bytes.CopyTo(buffer.AsSpan<byte>());
        using GgufFile file = GgufFile.FromPointer(buffer.Pointer, buffer.Length, "native");
        Assert.That(file.GetTensor("q6_k.q").FileOffset, Is.EqualTo(1152 + 76800));
        Assert.That((nint)file.GetTensor("q6_k.q").Pointer, Is.EqualTo((nint)buffer.Pointer + 1152 + 76800));
    }

    [Test]
    public void MetadataEntry_FormatsTypeAndTruncatedValue()
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("vocab/ggml-vocab-deepseek-llm.gguf"));
        GgufMetadataEntry tokens = file.Metadata.GetEntry("tokenizer.ggml.tokens");
        Assert.That(tokens.TypeName, Is.EqualTo("array of String [102400]"));
        Assert.That(tokens.FormatValue(3), Is.EqualTo("""["!", "\"", "#", … (102400)]"""));
        Assert.That(tokens.ToString(), Does.StartWith("""tokenizer.ggml.tokens: array of String [102400] = ["!", "\"", "#", "$", "%", "&", "'", "(", … (102400)]"""));
        Assert.That(file.Metadata.GetEntry("llama.block_count").ToString(), Is.EqualTo("llama.block_count: UInt32 = 30"));
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
