using NativeInfer.Formats;

namespace NativeInfer.Tests.Formats;

/// <summary>Sharded checkpoints through model.safetensors.index.json, built in a temporary directory.</summary>
public class SafetensorsCheckpointTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-st-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private void WriteShards()
    {
        File.WriteAllBytes(Path.Combine(_dir, "model-00001-of-00002.safetensors"), SafetensorsImage.Build(
            """{"model.embed_tokens.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"extra":{"dtype":"U8","shape":[1],"data_offsets":[16,17]}}""",
            [.. SafetensorsImage.Floats(1, 2, 3, 4), 7]));
        File.WriteAllBytes(Path.Combine(_dir, "model-00002-of-00002.safetensors"), SafetensorsImage.Build(
            """{"lm_head.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"model.norm.weight":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""",
            SafetensorsImage.Floats(5, 6, 7)));
    }

    private void WriteIndex(string weightMap) =>
        File.WriteAllText(Path.Combine(_dir, SafetensorsCheckpoint.IndexFileName), """{"metadata":{"total_size":28},"weight_map":{""" + weightMap + "}}");

    private const string GoodMap = """
        "lm_head.weight":"model-00002-of-00002.safetensors",
        "model.embed_tokens.weight":"model-00001-of-00002.safetensors",
        "model.norm.weight":"model-00002-of-00002.safetensors"
        """;

    [Test]
    public void Directory_WithIndex_CombinesShards()
    {
        WriteShards();
        WriteIndex(GoodMap);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_dir);
        Assert.That(checkpoint.Shards, Has.Count.EqualTo(2));
        Assert.That(checkpoint.Metadata["total_size"], Is.EqualTo("28"));
        Assert.That(checkpoint.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "lm_head.weight", "model.embed_tokens.weight", "model.norm.weight" }));
        Assert.That(checkpoint.GetTensor("lm_head.weight").AsSpan<float>().ToArray(), Is.EqualTo(new float[] { 5, 6 }));
        Assert.That(checkpoint.GetTensor("model.norm.weight").AsSpan<float>()[0], Is.EqualTo(7f));
        Assert.That(checkpoint.GetTensor("model.embed_tokens.weight").AsSpan<float>()[3], Is.EqualTo(4f));
        Assert.That(checkpoint.ContainsTensor("extra"), Is.False, "tensors the index does not list are left out");
    }

    [Test]
    public void SingleFile_IsACheckpointOfOneShard()
    {
        WriteShards();
        File.Move(Path.Combine(_dir, "model-00002-of-00002.safetensors"), Path.Combine(_dir, SafetensorsCheckpoint.SingleFileName));
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_dir);
        Assert.That(checkpoint.Shards, Has.Count.EqualTo(1));
        Assert.That(checkpoint.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "lm_head.weight", "model.norm.weight" }));
    }

    [Test]
    public void IndexNamingATensorItsShardLacks_Rejected()
    {
        WriteShards();
        WriteIndex("""  "lm_head.weight":"model-00001-of-00002.safetensors"  """);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(_dir))!;
        Assert.That(e.Problem, Is.EqualTo("weight_map puts 'lm_head.weight' in 'model-00001-of-00002.safetensors', which has no such tensor"));
    }

    [TestCase("../outside.safetensors")]
    [TestCase("/etc/passwd")]
    [TestCase("sub/dir.safetensors")]
    [TestCase("..")]
    public void ShardNameLeavingTheDirectory_Rejected(string shard)
    {
        WriteIndex($$"""  "w":"{{shard}}"  """);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(_dir))!;
        Assert.That(e.Problem, Does.Contain("is not a plain file name beside the index"));
    }

    [Test]
    public void MissingShardFile_NamesShardAndTensor()
    {
        WriteIndex("""  "w":"model-00009-of-00009.safetensors"  """);
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(_dir))!;
        Assert.That(e.Message, Does.Contain("shard 'model-00009-of-00009.safetensors' (holding 'w') does not exist"));
    }

    [Test]
    public void MalformedIndex_NamesLine()
    {
        File.WriteAllText(Path.Combine(_dir, SafetensorsCheckpoint.IndexFileName), "{\n\"weight_map\": {\"a\": }\n}");
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(_dir))!;
        Assert.That(e.Problem, Does.StartWith("malformed JSON at line 2"));
    }

    [Test]
    public void EmptyDirectory_SaysWhatItLookedFor()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(_dir))!;
        Assert.That(e.Message, Does.Contain("model.safetensors.index.json").And.Contain("model.safetensors"));
    }
}
