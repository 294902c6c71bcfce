using NativeInfer.Gguf;

namespace NativeInfer.Tests.Gguf;

/// <summary>
/// One test per validation rule of the reader (docs/gguf.md): each builds a small image that breaks
/// exactly that rule and checks that the reader throws <see cref="GgufFormatException"/> at the byte
/// offset of the offending field, with a message that names it.
/// </summary>
public class GgufHostileInputTests
{
    private static GgufFormatException Reject(byte[] image)
    {
        var e = Assert.Throws<GgufFormatException>(() => GgufFile.FromMemory(image, "hostile.gguf").Dispose())!;
        Assert.That(e.Message, Does.StartWith($"hostile.gguf: invalid GGUF at byte {e.Offset}: "));
        return e;
    }

    private static void AssertRejected(byte[] image, long offset, params string[] words)
    {
        GgufFormatException e = Reject(image);
        Assert.That(e.Offset, Is.EqualTo(offset), e.Message);
        foreach (string w in words) Assert.That(e.Problem, Does.Contain(w));
    }

    /// <summary>One F32 [32, 2] tensor at offset 0 and one key: the valid baseline every test breaks.</summary>
    private static byte[] Valid(Action<GgufImage>? tensorTable = null, uint tensorCount = 1)
    {
        var image = new GgufImage().Header(tensorCount, 1).KvString("general.architecture", "test");
        if (tensorTable is null) image.Tensor("w", 0, 0, 32, 2);
        else tensorTable(image);
        return image.PadTo(32).Zeros(4096).ToArray();
    }

    [Test]
    public void Baseline_IsAccepted()
    {
        using GgufFile file = GgufFile.FromMemory(Valid());
        Assert.That(file.GetTensor("w").ByteSize, Is.EqualTo(256));
    }

    [Test]
    public void TooShortForHeader_Rejected() => AssertRejected("GGUF"u8.ToArray(), 0, "4 bytes", "shorter than a GGUF header");

    [Test]
    public void EmptyFile_Rejected()
    {
        string path = Path.Combine(Path.GetTempPath(), $"empty-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, []);
        try
        {
            var e = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path).Dispose())!;
            Assert.That(e.Offset, Is.Zero);
            Assert.That(e.Message, Does.Contain(path).And.Contain("0 bytes"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void BadMagic_Rejected()
    {
        byte[] image = Valid();
        image[0] = (byte)'X';
        AssertRejected(image, 0, "magic", "58475546");
    }

    [TestCase(1u, "version 1 used 32-bit lengths")]
    [TestCase(4u, "unsupported GGUF version 4")]
    [TestCase(0x03000000u, "big-endian")]
    public void UnsupportedVersion_Rejected(uint version, string words)
    {
        byte[] image = Valid();
        BitConverter.GetBytes(version).CopyTo(image, 4);
        AssertRejected(image, 4, words);
    }

    [Test]
    public void Version2_Accepted()
    {
        byte[] image = Valid();
        BitConverter.GetBytes(2u).CopyTo(image, 4);
        using GgufFile file = GgufFile.FromMemory(image);
        Assert.That(file.Version, Is.EqualTo(2));
    }

    [Test]
    public void TensorCountThatCannotFit_Rejected()
    {
        byte[] image = Valid();
        BitConverter.GetBytes(1UL << 40).CopyTo(image, 8);
        AssertRejected(image, 8, "tensor count 1099511627776", "cannot fit");
    }

    [Test]
    public void MetadataCountThatCannotFit_Rejected()
    {
        byte[] image = Valid();
        BitConverter.GetBytes(ulong.MaxValue).CopyTo(image, 16);
        AssertRejected(image, 16, "metadata count 18446744073709551615", "cannot fit");
    }

    [Test]
    public void KeyLengthPastEnd_Rejected()
    {
        byte[] image = new GgufImage().Header(0, 1).U64(1000).Raw("general"u8).ToArray();
        AssertRejected(image, 24, "metadata key", "claims 1000 bytes");
    }

    [Test]
    public void StringValueLengthPastEnd_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("general.name").U32(8);
        long at = image.Position;
        AssertRejected(image.U64(1UL << 62).Raw("abc"u8).ToArray(), at, "string value of 'general.name'", "claims 4611686018427387904 bytes");
    }

    [Test]
    public void ArrayLengthPastEnd_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("tokenizer.ggml.scores").U32(9).U32(6);
        long at = image.Position;
        AssertRejected(image.U64(1_000_000).Zeros(64).ToArray(), at, "array 'tokenizer.ggml.scores'", "1000000 Float32 elements");
    }

    [Test]
    public void StringArrayElementPastEnd_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("tokenizer.ggml.tokens").U32(9).U32(8).U64(3).Str("a").Str("b");
        long at = image.Position;
        AssertRejected(image.U64(99).Raw("c"u8).Zeros(16).ToArray(), at, "element 2 of string array 'tokenizer.ggml.tokens'", "claims 99 bytes");
    }

    [Test]
    public void NestedArray_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("nested").U32(9);
        long at = image.Position;
        AssertRejected(image.U32(9).U64(1).U32(4).U64(1).U32(7).Zeros(16).ToArray(), at, "nested arrays are not allowed");
    }

    [Test]
    public void UnknownValueType_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("general.weird");
        long at = image.Position;
        AssertRejected(image.U32(13).U64(0).ToArray(), at, "unknown value type 13", "'general.weird'");
    }

    [Test]
    public void UnknownArrayElementType_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("general.list").U32(9);
        long at = image.Position;
        AssertRejected(image.U32(200).U64(1).Zeros(16).ToArray(), at, "unknown element type 200");
    }

    [Test]
    public void BoolOtherThanZeroOrOne_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("general.flag").U32(7);
        long at = image.Position;
        AssertRejected(image.U8(2).Zeros(16).ToArray(), at, "bool value of 'general.flag' is 2");
    }

    [Test]
    public void BoolArrayElementOtherThanZeroOrOne_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("general.flags").U32(9).U32(7).U64(3).U8(1).U8(0);
        long at = image.Position;
        AssertRejected(image.U8(255).Zeros(16).ToArray(), at, "element 2 of bool array 'general.flags' is 255");
    }

    [Test]
    public void DuplicateKey_Rejected()
    {
        var image = new GgufImage().Header(0, 2).KvU32("llama.block_count", 1);
        long at = image.Position;
        AssertRejected(image.KvU32("llama.block_count", 2).ToArray(), at, "duplicate metadata key 'llama.block_count'", "first at byte 24");
    }

    [Test]
    public void EmptyKey_Rejected() =>
        AssertRejected(new GgufImage().Header(0, 1).Str("").U32(4).U32(1).Zeros(8).ToArray(), 24, "metadata key is empty");

    [Test]
    public void InvalidUtf8InKey_Rejected()
    {
        var image = new GgufImage().Header(0, 1).StrBytes([(byte)'a', (byte)'b', 0xC3, (byte)'x']).U32(4).U32(1);
        AssertRejected(image.ToArray(), 24 + 8 + 2, "metadata key is not valid UTF-8", "0xC3 at index 2");
    }

    [Test]
    public void InvalidUtf8InStringValue_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("general.name").U32(8);
        long at = image.Position + 8;
        AssertRejected(image.StrBytes([0xFF, (byte)'a']).ToArray(), at, "string value of 'general.name' is not valid UTF-8");
    }

    [Test]
    public void InvalidUtf8InTensorName_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t =>
        {
            at = t.Position + 8;
            t.StrBytes([0xED, 0xA0, 0x80]).U32(1).U64(32).U32(0).U64(0); // an encoded UTF-16 surrogate is not UTF-8
        });
        AssertRejected(image, at, "tensor name is not valid UTF-8");
    }

    [TestCase(0u)]
    [TestCase(48u)]
    public void AlignmentNotPowerOfTwo_Rejected(uint alignment)
    {
        var image = new GgufImage().Header(0, 1).Str("general.alignment").U32(4);
        long at = image.Position;
        AssertRejected(image.U32(alignment).ToArray(), at, $"'general.alignment' is {alignment}", "power of two");
    }

    [Test]
    public void AlignmentOfWrongType_Rejected()
    {
        var image = new GgufImage().Header(0, 1).Str("general.alignment").U32(8);
        long at = image.Position;
        AssertRejected(image.Str("32").ToArray(), at, "'general.alignment' is String");
    }

    [Test]
    public void UnknownTensorType_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(1).U64(32); at = t.Position; t.U32(40).U64(0); });
        AssertRejected(image, at, "tensor 'w' has unknown ggml type id 40");
    }

    [Test]
    public void RemovedTensorType_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(1).U64(32); at = t.Position; t.U32(31).U64(0); });
        AssertRejected(image, at, "q4_0_4_4 (31)", "removed");
    }

    [Test]
    public void MoreThanFourDimensions_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w"); at = t.Position; t.U32(5).U64(32).U64(1).U64(1).U64(1).U64(1).U32(0).U64(0); });
        AssertRejected(image, at, "tensor 'w' has 5 dimensions", "at most 4");
    }

    [TestCase(0UL, "ne[1] of tensor 'w' is 0")]
    [TestCase(ulong.MaxValue, "ne[1] of tensor 'w' is -1")]
    public void NonPositiveDimension_Rejected(ulong ne1, string words)
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(2).U64(32); at = t.Position; t.U64(ne1).U32(0).U64(0); });
        AssertRejected(image, at, words, "must be positive");
    }

    [Test]
    public void Ne0NotMultipleOfBlockSize_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(2); at = t.Position; t.U64(100).U64(2).U32(2).U64(0); });
        AssertRejected(image, at, "ne[0] = 100 of tensor 'w'", "q4_0 block size 32");
    }

    [Test]
    public void ElementCountOverflow_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(3); at = t.Position; t.U64(1UL << 32).U64(1UL << 31).U64(4).U32(0).U64(0); });
        AssertRejected(image, at, "element count of tensor 'w'", "overflows 64 bits");
    }

    [Test]
    public void ByteSizeOverflow_Rejected()
    {
        // 2^62 F32 elements fit in an int64; their 2^64 bytes do not.
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(2); at = t.Position; t.U64(1UL << 31).U64(1UL << 31).U32(0).U64(0); });
        AssertRejected(image, at, "byte size of tensor 'w'", "overflows 64 bits");
    }

    [Test]
    public void TensorDataPastEndOfFile_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(2).U64(32).U64(1000).U32(0); at = t.Position; t.U64(0); });
        AssertRejected(image, at, "data of tensor 'w'", "128000 long", "outside the file");
    }

    [Test]
    public void TensorOffsetPastEndOfFile_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(1).U64(32).U32(0); at = t.Position; t.U64(long.MaxValue - 31); });
        AssertRejected(image, at, "outside the file");
    }

    [Test]
    public void TensorOffsetBeyondInt64_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(1).U64(32).U32(0); at = t.Position; t.U64(1UL << 63); });
        AssertRejected(image, at, "data offset 9223372036854775808", "beyond any file");
    }

    [Test]
    public void MisalignedTensorOffset_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { t.Str("w").U32(1).U64(32).U32(0); at = t.Position; t.U64(16); });
        AssertRejected(image, at, "data offset 16 of tensor 'w' is not a multiple of the alignment 32");
    }

    [Test]
    public void OverlappingTensors_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t =>
        {
            t.Tensor("a", 0, 0, 32, 2);       // bytes [0, 256)
            t.Str("b").U32(1).U64(32).U32(0);
            at = t.Position;
            t.U64(224);                       // [224, 352) overlaps a
        }, tensorCount: 2);
        AssertRejected(image, at, "tensor 'b'", "overlaps tensor 'a'");
    }

    [Test]
    public void DuplicateTensorName_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t =>
        {
            t.Tensor("w", 0, 0, 32);
            at = t.Position;
            t.Tensor("w", 0, 128, 32);
        }, tensorCount: 2);
        AssertRejected(image, at, "duplicate tensor name 'w'");
    }

    [Test]
    public void EmptyTensorName_Rejected()
    {
        long at = 0;
        byte[] image = Valid(t => { at = t.Position; t.Tensor("", 0, 0, 32); });
        AssertRejected(image, at, "tensor name is empty");
    }

    [Test]
    public void TruncatedTensorTable_Rejected()
    {
        byte[] image = new GgufImage().Header(1, 0).Str("w").U32(2).U64(32).ToArray();
        var image2 = image.Concat(new byte[4]).ToArray(); // ne[1] cut short; padding makes room for the count checks
        GgufFormatException e = Reject(image2);
        Assert.That(e.Offset, Is.EqualTo(image.Length));
        Assert.That(e.Problem, Does.Contain("ne[1] of tensor 'w' needs 8 bytes"));
    }
}
