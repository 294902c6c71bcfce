using NativeInfer.Gguf;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// `nativeinfer make-tiny` end to end through Program.Run: every architecture makes a file that `check`
/// passes and `inspect` describes with the widths asked for; bad input is one line, a non-zero exit code,
/// and no file left behind.
/// </summary>
[NonParallelizable]
public class MakeTinyCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-make-tiny-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    private static void AssertOneLineError(int code, string error, int expectedCode, string contains) =>
        Support.Cli.AssertOneLineError((code, "", error), expectedCode, contains);

    /// <summary>The value `inspect` prints for a config field ("  Moe.NumExperts   8").</summary>
    private static string ConfigValue(string inspectOutput, string field)
    {
        string line = inspectOutput.Split('\n').Single(l => l.TrimStart().StartsWith(field + " ", StringComparison.Ordinal));
        return line.Trim()[field.Length..].Trim();
    }

    [TestCase("deepseek2", new string[0], 256, 3, "8")]
    [TestCase("qwen2moe", new[] { "--random", "--type", "q4_0" }, 256, 2, "8")]
    [TestCase("llama", new[] { "--layers", "3", "--hidden", "128", "--type", "f16" }, 128, 3, null)]
    [TestCase("deepseek2", new[] { "--random", "--layers", "2", "--experts", "4", "--type", "q6_k", "--seed", "5" }, 256, 2, "4")]
    public void MakeTiny_ThenCheckPasses_AndInspectShowsTheShape(string arch, string[] options, int hidden, int layers, string? experts)
    {
        string path = Path.Combine(_dir, "m.gguf");
        var (code, output, error) = Run(["make-tiny", path, "--arch", arch, .. options]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Is.Empty, "no progress when stderr is not a terminal");
        Assert.That(output, Does.StartWith($"wrote {path} (").And.Contain($"architecture: {arch}: hidden {hidden}, {layers} ")
                                .And.Contain("vocabulary:").And.Contain(options.Contains("--random") ? "weights:      random" : "weights:      constructed demo"));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));

        var check = Run("check", path);
        Assert.That(check.Code, Is.EqualTo(0), check.Out + check.Err);
        Assert.That(check.Out, Does.Contain("result: OK"));

        var inspect = Run("inspect", path);
        Assert.That(inspect.Code, Is.EqualTo(0), inspect.Err);
        Assert.That(ConfigValue(inspect.Out, "Architecture"), Is.EqualTo(arch));
        Assert.That(ConfigValue(inspect.Out, "HiddenSize"), Is.EqualTo(hidden.ToString()));
        Assert.That(ConfigValue(inspect.Out, "NumLayers"), Is.EqualTo(layers.ToString()));
        if (experts is not null) Assert.That(ConfigValue(inspect.Out, "Moe.NumExperts"), Is.EqualTo(experts));
        else Assert.That(ConfigValue(inspect.Out, "Moe"), Is.EqualTo("null"));

        using GgufFile file = GgufFile.Open(path);
        string type = options.SkipWhile(o => o != "--type").Skip(1).FirstOrDefault() ?? "q8_0";
        Assert.That(file.GetTensor("blk.0.attn_output.weight").Type.Name(), Is.EqualTo(type).IgnoreCase);
        Assert.That(ConfigValue(inspect.Out, "VocabSize"), Is.EqualTo(file.Metadata.GetEntry("tokenizer.ggml.tokens").ArrayLength.ToString()));
    }

    [Test]
    public void Vocab_CopiesTheTokenizerOfAnotherFile()
    {
        string vocab = RepoPaths.RequireTestData("vocab/ggml-vocab-deepseek-llm.gguf");
        string path = Path.Combine(_dir, "v.gguf");
        var (code, output, error) = Run("make-tiny", path, "--vocab", vocab, "--hidden", "64", "--layers", "1", "--random");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("vocabulary:   102400 tokens: copied from ggml-vocab-deepseek-llm.gguf"));
        var inspect = Run("inspect", path);
        Assert.That(ConfigValue(inspect.Out, "VocabSize"), Is.EqualTo("102400"));
        Assert.That(inspect.Out, Does.Contain("tokenizer.ggml.pre").And.Contain("\"deepseek-llm\""));
        var tokens = Run("tokenize", path, "Hello world");
        var reference = Run("tokenize", vocab, "Hello world");
        Assert.That(tokens.Out, Is.EqualTo(reference.Out));
    }

    [TestCase(new[] { "--arch", "gpt2" }, 2, "--arch must be one of deepseek2, deepseek3, qwen2moe, qwen3moe, qwen3, llama, mixtral (got 'gpt2')")]
    [TestCase(new[] { "--type", "tq2_0" }, 2, "--type must be one of")]
    [TestCase(new[] { "--layers", "0" }, 2, "--layers must be an integer in [1, 256]")]
    [TestCase(new[] { "--type", "q4_k", "--hidden", "64" }, 1, "token_embd.weight: its rows have 64 values, not a multiple of the q4_K block size 256")]
    [TestCase(new[] { "--arch", "llama", "--experts", "4" }, 1, "llama models are dense")]
    [TestCase(new[] { "--hidden", "32" }, 1, "the demo construction needs a hidden width of at least 64")]
    [TestCase(new[] { "--arch", "qwen2moe", "--hidden", "100" }, 1, "Hidden = 100 is not a multiple of Heads = 8")]
    public void BadOptions_AreOneLine_AndLeaveNoFile(string[] options, int expectedCode, string expected)
    {
        var (code, output, error) = Run(["make-tiny", Path.Combine(_dir, "m.gguf"), .. options]);
        AssertOneLineError(code, error, expectedCode, expected);
        Assert.That(output, Is.Empty);
        Assert.That(Directory.GetFileSystemEntries(_dir), Is.Empty);
    }

    [Test]
    public void UnwritablePath_FailsBeforeWork()
    {
        string path = Path.Combine(_dir, "no-such-dir", "m.gguf");
        var (code, _, error) = Run("make-tiny", path);
        AssertOneLineError(code, error, 1, $"cannot write {path}");
        Assert.That(Directory.GetFileSystemEntries(_dir), Is.Empty);
        (code, _, error) = Run("make-tiny", _dir);
        AssertOneLineError(code, error, 1, "it is a directory");
    }

    [Test]
    public void BadVocabFiles_AreOneLine_AndLeaveNoFile()
    {
        string notGguf = Path.Combine(_dir, "not.gguf");
        File.WriteAllText(notGguf, "hello, not a model");
        string noTokenizer = Path.Combine(_dir, "bare.gguf");
        var bare = new GgufWriter();
        bare.AddString("general.architecture", "llama");
        bare.WriteTo(noTokenizer);
        string outDir = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        string path = Path.Combine(outDir, "m.gguf");

        var (code, _, error) = Run("make-tiny", path, "--vocab", Path.Combine(_dir, "missing.gguf"));
        AssertOneLineError(code, error, 1, "--vocab file not found");
        (code, _, error) = Run("make-tiny", path, "--vocab", notGguf);
        AssertOneLineError(code, error, 1, "not.gguf");
        (code, _, error) = Run("make-tiny", path, "--vocab", noTokenizer);
        AssertOneLineError(code, error, 1, "bare.gguf: no tokenizer.* metadata to copy");
        Assert.That(Directory.GetFileSystemEntries(outDir), Is.Empty);
    }

    [Test]
    public void ExistingFile_IsReplacedWhole()
    {
        string path = Path.Combine(_dir, "m.gguf");
        File.WriteAllText(path, "old");
        Assert.That(Run("make-tiny", path, "--arch", "llama", "--random").Code, Is.EqualTo(0));
        using GgufFile file = GgufFile.Open(path);
        Assert.That(file.Metadata.GetString("general.architecture"), Is.EqualTo("llama"));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }
}
