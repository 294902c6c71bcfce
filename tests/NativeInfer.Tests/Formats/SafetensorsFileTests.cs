using System.Buffers.Binary;
using NativeInfer.Formats;

namespace NativeInfer.Tests.Formats;

/// <summary>The safetensors reader on files written byte by byte in the test, valid and hostile.</summary>
public class SafetensorsFileTests
{
    // Header as PyTorch's safetensors writes it: tensors keyed by name, offsets relative to the data.
    private const string ValidHeader = """
        {"__metadata__":{"format":"pt"},
         "model.embed_tokens.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},
         "model.norm.weight":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},
         "ids":{"dtype":"I64","shape":[2],"data_offsets":[32,48]},
         "mask":{"dtype":"BOOL","shape":[3],"data_offsets":[48,51]},
         "scale":{"dtype":"F16","shape":[],"data_offsets":[51,53]},
         "empty":{"dtype":"F32","shape":[0,5],"data_offsets":[53,53]}}
        """;

    private static byte[] ValidData()
    {
        var data = new byte[53];
        SafetensorsImage.Floats(1, 2, 3, 4, 5, 6).CopyTo(data, 0);
        new byte[] { 0x80, 0x3F, 0x00, 0x40, 0x40, 0x40, 0x80, 0x40 }.CopyTo(data, 24); // bf16 1, 2, 3, 4
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(32), -9);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(40), long.MaxValue);
        data[48] = 1; data[49] = 0; data[50] = 1;
        data[51] = 0x00; data[52] = 0x3C; // f16 1.0
        return data;
    }

    private static SafetensorsFormatException Reject(string header, byte[]? data = null)
    {
        byte[] image = SafetensorsImage.Build(header, data ?? new byte[64]);
        return Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(image, "bad.safetensors").Dispose())!;
    }

    [Test]
    public void Valid_NamesDtypesShapesOffsetsAndBytes()
    {
        byte[] image = SafetensorsImage.Build(ValidHeader, ValidData());
        using SafetensorsFile file = SafetensorsFile.FromMemory(image, "valid.safetensors");
        long dataStart = image.Length - 53;
        Assert.That(file.DataOffset, Is.EqualTo(dataStart));
        Assert.That(file.Metadata["format"], Is.EqualTo("pt"));
        Assert.That(file.Tensors.Select(t => t.ToString()), Is.EqualTo(new[]
        {
            "model.embed_tokens.weight F32 [2, 3]", "model.norm.weight BF16 [4]", "ids I64 [2]", "mask BOOL [3]", "scale F16 []", "empty F32 [0, 5]",
        }));
        SafetensorsTensor embed = file.GetTensor("model.embed_tokens.weight");
        Assert.That(embed.FileOffset, Is.EqualTo(dataStart));
        Assert.That(embed.AsSpan<float>().ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        SafetensorsTensor norm = file.GetTensor("model.norm.weight");
        Assert.That(norm.AsSpan<ushort>().ToArray().Select(b => BitConverter.Int32BitsToSingle(b << 16)), Is.EqualTo(new float[] { 1, 2, 3, 4 }));
        Assert.That(file.GetTensor("ids").AsSpan<long>().ToArray(), Is.EqualTo(new[] { -9, long.MaxValue }));
        Assert.That(file.GetTensor("mask").AsSpan().ToArray(), Is.EqualTo(new byte[] { 1, 0, 1 }));
        Assert.That((float)file.GetTensor("scale").AsSpan<Half>()[0], Is.EqualTo(1f));
        Assert.That(file.GetTensor("scale").ElementCount, Is.EqualTo(1));
        Assert.That(file.GetTensor("empty").ByteSize, Is.Zero);
        Assert.Throws<InvalidOperationException>(() => embed.AsSpan<double>());
        Assert.That(Assert.Throws<KeyNotFoundException>(() => file.GetTensor("lm_head.weight"))!.Message, Does.Contain("'lm_head.weight'").And.Contain("valid.safetensors"));
    }

    [Test]
    public void Open_MapsAFileFromDisk()
    {
        string path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, SafetensorsImage.Build(ValidHeader, ValidData()));
        try
        {
            using SafetensorsFile file = SafetensorsFile.Open(path);
            Assert.That(file.Source, Is.EqualTo(path));
            Assert.That(file.GetTensor("model.embed_tokens.weight").AsSpan<float>()[5], Is.EqualTo(6f));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void TooShort_Rejected()
    {
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(new byte[5], "tiny").Dispose())!;
        Assert.That(e.Message, Is.EqualTo("tiny: invalid safetensors: the file is 5 bytes, too short for the 8-byte header length"));
    }

    [Test]
    public void HeaderLengthPastEnd_Rejected()
    {
        byte[] image = SafetensorsImage.Build("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(image, 3);
        Assert.That(Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(image).Dispose())!.Problem,
            Is.EqualTo("header length 3 runs past the end of the file (10 bytes)"));
    }

    [Test]
    public void AbsurdHeaderLength_RejectedBeforeAllocating()
    {
        byte[] image = SafetensorsImage.Build("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(image, ulong.MaxValue);
        Assert.That(Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(image).Dispose())!.Problem,
            Does.Contain("header length 18446744073709551615 exceeds the 100000000-byte limit"));
    }

    [Test]
    public void MalformedJson_NamesLineAndPosition()
    {
        SafetensorsFormatException e = Reject("{\"a\":{\"dtype\":\"F32\",\n \"shape\":[1,,2]}}");
        Assert.That(e.Problem, Does.StartWith("the JSON header is malformed at header byte").And.Contain("of line 2"));
        Assert.That(e.InnerException, Is.InstanceOf<System.Text.Json.JsonException>());
    }

    [TestCase("[1,2]", "the JSON header is Array, expected an object")]
    [TestCase("""{"w":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}""", "tensor 'w' has unknown dtype 'F31'")]
    [TestCase("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", "tensor 'w' has no string \"dtype\"")]
    [TestCase("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", "tensor 'w' has no \"shape\" array")]
    [TestCase("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "shape[0] of tensor 'w' is -1, expected a non-negative integer")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "shape[0] of tensor 'w' is 1.5")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "tensor 'w' needs \"data_offsets\": [begin, end]")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", "tensor 'w' has data_offsets [8, 4) that end before they begin")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[64,68]}}""", "tensor 'w' data_offsets [64, 68) run past the data section (64 bytes")]
    [TestCase("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "tensor 'w' data_offsets [0, 4) hold 4 bytes but F32 [2] takes 8")]
    [TestCase("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}""", "element count of tensor 'w' overflows 64 bits")]
    [TestCase("""{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,4]}}""", "byte size of tensor 'w' overflows 64 bits")]
    [TestCase("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}""", "tensor 'b' [12, 20) overlaps tensor 'a' [0, 16)")]
    [TestCase("""{"__metadata__":{"format":1}}""", "\"__metadata__\".\"format\" is Number, expected a string")]
    [TestCase("""{"w":"F32"}""", "tensor 'w' is String, expected an object")]
    public void HostileHeader_Rejected(string header, string problem)
    {
        Assert.That(Reject(header).Problem, Does.StartWith(problem));
    }

    [Test]
    public void InvalidUtf8InHeader_Rejected()
    {
        byte[] image = SafetensorsImage.Build("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", [0]);
        image[10] = 0xFF; // inside the tensor name
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(image).Dispose())!;
        Assert.That(e.Problem, Is.EqualTo("the JSON header is not valid UTF-8"));
    }

    [Test]
    public void DuplicateTensorName_Rejected()
    {
        SafetensorsFormatException e = Reject("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""");
        Assert.That(e.Problem, Does.Contain("malformed").And.Contain("'w'"));
    }

    [Test]
    public void EveryDtype_HasTheElementSizeOfItsName()
    {
        foreach (SafetensorsDType d in Enum.GetValues<SafetensorsDType>())
        {
            string name = d.HeaderName();
            int bits = name == "BOOL" ? 8 : int.Parse(new string(name.SkipWhile(char.IsLetter).TakeWhile(char.IsDigit).ToArray()));
            Assert.That(d.ElementBytes() * 8, Is.EqualTo(bits), name);
            Assert.That(SafetensorsDTypes.TryParse(name, out SafetensorsDType parsed) && parsed == d, Is.True, name);
        }
        Assert.That(SafetensorsDTypes.TryParse("f32", out _), Is.False, "dtype names are upper case");
    }
}
