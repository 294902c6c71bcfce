using System.Security.Cryptography;
using NativeInfer.Tests.Formats;
using NativeInfer.Tests.Support;
using static NativeInfer.Tests.Support.Cli;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// `logits --out`, `quantize` and `make-tiny` never destroy a file: the model being read (by any path) is
/// refused, /dev/null and pipes are written in place, and a model that is a FIFO is refused instead of
/// blocking. Models are copied into a temporary folder first, so nothing in ../shared is at risk.
/// </summary>
[NonParallelizable]
public class OutputPathCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("SKIPPED: FIFOs and /dev/null as used here are Linux");
        _dir = Directory.CreateTempSubdirectory("ni-outpath-").FullName;
    }

    [TearDown]
    public void DeleteDirectory()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    private string P(string name) => Path.Combine(_dir, name);

    private string CopyOf(string testData, string name)
    {
        File.Copy(RepoPaths.RequireTestData(testData), P(name));
        return P(name);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Test]
    public void Logits_OutIsTheModel_ByPathSymlinkOrHardLink_IsRefused_ModelUnchanged()
    {
        string model = CopyOf("models/tiny-qwen2moe-f32.gguf", "model.gguf");
        string before = Hash(model);
        File.CreateSymbolicLink(P("link.f32"), model);
        OutputFileTests.Tool("ln", model, P("hard.f32"));
        foreach (string output in new[] { model, P("link.f32"), P("hard.f32") })
            AssertOneLineError(Run("logits", model, "--tokens", "1,2", "--out", output), 1, $"cannot write --out {output}: it is the input file {model}");
        Assert.That(Hash(model), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir).Where(f => f.EndsWith(".partial", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public void Logits_ToDevNullAndToAFifo_WritesInPlace()
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        var devNull = Run("logits", model, "--tokens", "1,2,3", "--out", "/dev/null");
        Assert.That(devNull.Code, Is.EqualTo(0), devNull.Err);
        Assert.That(OutputFileTests.Tool("stat", "-c", "%F", "/dev/null"), Is.EqualTo("character special file"));

        OutputFileTests.MakeFifo(P("pipe"));
        Task<byte[]> reader = Task.Run(() => File.ReadAllBytes(P("pipe")));
        var fifo = Run("logits", model, "--tokens", "1,2,3", "--out", P("pipe"));
        Assert.That(fifo.Code, Is.EqualTo(0), fifo.Err);
        Assert.That(reader.Wait(TimeSpan.FromMinutes(1)));
        var file = Run("logits", model, "--tokens", "1,2,3", "--out", P("file.f32"));
        Assert.That(file.Code, Is.EqualTo(0), file.Err);
        Assert.That(reader.Result, Is.EqualTo(File.ReadAllBytes(P("file.f32"))), "the pipe got what a file gets");
        Assert.That(OutputFileTests.Tool("stat", "-c", "%F", P("pipe")), Is.EqualTo("fifo"));
    }

    [Test]
    public void Quantize_OutputIsTheInputByHardLink_IsRefused()
    {
        string model = CopyOf("models/tiny-qwen2moe-f32.gguf", "in.gguf");
        string before = Hash(model);
        OutputFileTests.Tool("ln", model, P("out.gguf"));
        AssertOneLineError(Run("quantize", model, P("out.gguf"), "--type", "q8_0"), 1, $"cannot write {P("out.gguf")}: it is the input file {model}");
        Assert.That(Hash(model), Is.EqualTo(before));
    }

    [Test]
    public void MakeTiny_OutputIsTheVocabulary_IsRefused()
    {
        string vocab = CopyOf("vocab/ggml-vocab-deepseek-llm.gguf", "vocab.gguf");
        string before = Hash(vocab);
        File.CreateSymbolicLink(P("out.gguf"), vocab);
        AssertOneLineError(Run("make-tiny", P("out.gguf"), "--vocab", vocab, "--random"), 1, $"cannot write {P("out.gguf")}: it is the input file {vocab}");
        Assert.That(Hash(vocab), Is.EqualTo(before));
    }

    [Test]
    public void ModelThatIsAFifo_IsRefusedByEveryCommand_WithoutBlocking()
    {
        OutputFileTests.MakeFifo(P("model.gguf"));
        string expected = $"{P("model.gguf")} is a FIFO (named pipe), not a regular file";
        string[][] commands =
        [
            ["check", P("model.gguf")],
            ["inspect", P("model.gguf")],
            ["logits", P("model.gguf"), "--tokens", "1", "--out", P("x.f32")],
            ["generate", P("model.gguf"), "--prompt", "hi"],
            ["rules", "explain", P("model.gguf"), Path.Combine(RepoPaths.Root, "rules", "qwen2-moe-cpu.yaml")],
        ];
        foreach (string[] command in commands)
        {
            // Guarded: a regression would block in open(2) until a writer appears.
            Task<(int, string, string)> run = Task.Run(() => Run(command));
            Assert.That(run.Wait(TimeSpan.FromMinutes(1)), $"{command[0]} returned instead of blocking on the FIFO");
            AssertOneLineError(run.Result, 1, expected);
        }
    }
}
