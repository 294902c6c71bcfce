using System.Buffers.Binary;
using NativeInfer.Cli;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// `nativeinfer logits` through Program.Run: the file it writes holds, row by row, llama.cpp's reference
/// logits (within the README's tolerance) when fed the reference protocol; every bad input is one line.
/// </summary>
[NonParallelizable]
public class LogitsCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-logits-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    private static void AssertOneLineError(int code, string error, int expectedCode, string contains) =>
        Support.Cli.AssertOneLineError((code, "", error), expectedCode, contains);

    /// <summary>Reads a [positions][vocab] little-endian float32 file.</summary>
    private static float[][] ReadRows(string path, int vocab)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.That(bytes.Length % (vocab * 4), Is.Zero, "whole rows of vocab float32 values");
        var rows = new float[bytes.Length / (vocab * 4)][];
        for (int p = 0; p < rows.Length; p++)
        {
            rows[p] = new float[vocab];
            for (int i = 0; i < vocab; i++) rows[p][i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((p * vocab + i) * 4));
        }
        return rows;
    }

    // Rules: null = none; "shipped:NAME" = rules/NAME of this repository; anything else = a KTransformers file of
    // ../shared/testdata/rules (run with --cpu-fallback, as its CUDA placements need).
    [TestCase("tiny-deepseek2-lite-f32", null)]
    [TestCase("tiny-qwen2moe-q", null)]
    [TestCase("tiny-qwen2moe-f32", "ktransformers-Qwen2-57B-A14B-Instruct.yaml")]
    [TestCase("tiny-deepseek3-f32", "shipped:deepseek-v3-cpu.yaml")]
    [TestCase("tiny-deepseek3-q", "shipped:deepseek-v3-cpu.yaml")]
    [TestCase("tiny-qwen3moe-f32", "shipped:qwen3-moe-cpu.yaml")]
    [TestCase("tiny-qwen3moe-q", "shipped:qwen3-moe-cpu.yaml")]
    [TestCase("tiny-deepseek3-f32", "ktransformers-2026/DeepSeek-V3-Chat.yaml")]
    [TestCase("tiny-deepseek3-q", "ktransformers-2026/DeepSeek-V3-Chat-multi-gpu.yaml")]
    [TestCase("tiny-deepseek3-f32", "ktransformers-2026/Moonlight-16B-A3B.yaml")]
    [TestCase("tiny-qwen3moe-f32", "ktransformers-2026/Qwen3Moe-serve.yaml")]
    [TestCase("tiny-qwen3moe-q", "ktransformers-2026/Qwen3Moe-serve.yaml")]
    public void Logits_ReferenceProtocol_FileRowsMatchLlamaCpp(string model, string? ktRules)
    {
        var reference = ReferenceLogits.Load(RepoPaths.RequireTestData($"models/{model}.reference.json"));
        int[] tokens = [.. reference.PromptTokens, .. reference.GreedyTokens];
        string outPath = Path.Combine(_dir, "logits.f32");
        var args = new List<string>
        {
            "logits", RepoPaths.RequireTestData($"models/{model}.gguf"), "--tokens", string.Join(",", tokens),
            "--prefill", reference.PromptTokens.Length.ToString(), "--threads", "2", "--out", outPath,
        };
        if (ktRules is not null && ktRules.StartsWith("shipped:", StringComparison.Ordinal))
            args.AddRange(["--rules", Path.Combine(RepoPaths.Root, "rules", ktRules["shipped:".Length..])]);
        else if (ktRules is not null) args.AddRange(["--rules", RepoPaths.RequireTestData("rules/" + ktRules), "--cpu-fallback"]);
        var (code, output, error) = Run([.. args]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Is.Empty);
        Assert.That(output.TrimEnd().Split('\n'), Has.Length.EqualTo(1), output);
        int vocab = NativeInfer.Runtime.InferenceModel.CreatePlan(args[1]).Root.Config.VocabSize;  // 32000 for -f32, 102400 for -q
        Assert.That(output, Does.StartWith($"{outPath}: {tokens.Length} positions × {vocab} float32 logits ({(long)tokens.Length * vocab * 4} bytes")
                                .And.Contain($"prefill {reference.PromptTokens.Length} token(s) + {reference.GreedyTokens.Length} decode step(s)"));
        float[][] rows = ReadRows(outPath, vocab);
        Assert.That(rows, Has.Length.EqualTo(reference.Positions.Length));
        reference.AssertWithinTolerance(reference.Compare(rows));
        Assert.That(File.Exists(outPath + ".partial"), Is.False);
    }

    [Test]
    public void Logits_PrefillSplit_OnlyChangesRowsWithinFloatNoise()
    {
        // All tokens as one prefill vs one token at a time: same math, different batching.
        string model = RepoPaths.RequireTestData("models/tiny-deepseek2-f32.gguf");
        string a = Path.Combine(_dir, "a.f32"), b = Path.Combine(_dir, "b.f32");
        Assert.That(Run("logits", model, "--tokens", "1,450,4996,310,3444", "--out", a).Code, Is.EqualTo(0));
        Assert.That(Run("logits", model, "--tokens", "1,450,4996,310,3444", "--prefill", "1", "--out", b).Code, Is.EqualTo(0));
        float[][] ra = ReadRows(a, 32000), rb = ReadRows(b, 32000);
        Assert.That(ra, Has.Length.EqualTo(5));
        double max = ra.Zip(rb).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
        Assert.That(max, Is.LessThan(5e-3), "batched and one-by-one runs are the same computation up to summation order");
        Assert.That(ra[0], Is.EqualTo(rb[0]), "position 0 sees the same single token either way");
    }

    [TestCase("1,2,x", "entry 3 is 'x'")]
    [TestCase("1,,2", "entry 2 is ''")]
    [TestCase("1,-5", "entry 2 is '-5'")]
    [TestCase("", "entry 1 is ''")]
    public void BadTokenList_IsAUsageError(string tokens, string expected)
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        var (code, _, error) = Run("logits", model, "--tokens", tokens, "--out", Path.Combine(_dir, "x.f32"));
        AssertOneLineError(code, error, 2, expected);
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }

    [Test]
    public void TokenOutsideTheVocabulary_FailsAndLeavesAnExistingFileAlone()
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string outPath = Path.Combine(_dir, "keep.f32");
        File.WriteAllBytes(outPath, [1, 2, 3, 4]);
        var (code, _, error) = Run("logits", model, "--tokens", "1,31999,32000", "--out", outPath);
        AssertOneLineError(code, error, 1, "token 32000 (position 2) is outside the vocabulary [0, 32000)");
        Assert.That(File.ReadAllBytes(outPath), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { outPath }));
    }

    [TestCase("0")]
    [TestCase("4")]
    [TestCase("two")]
    public void PrefillOutOfRange_IsAUsageError(string prefill)
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        var (code, _, error) = Run("logits", model, "--tokens", "1,2,3", "--prefill", prefill, "--out", Path.Combine(_dir, "x.f32"));
        AssertOneLineError(code, error, 2, $"--prefill must be an integer in [1, 3] (got '{prefill}')");
    }

    [Test]
    public void UnwritableOutput_FailsBeforeRunning()
    {
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string outPath = Path.Combine(_dir, "no-such-dir", "x.f32");
        var (code, output, error) = Run("logits", model, "--tokens", "1,2", "--out", outPath);
        AssertOneLineError(code, error, 1, $"cannot write --out {outPath}");
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void ManyPositions_AreStreamedToTheFile_NotHeld_AndMatchOneForwardAll()
    {
        // 1 030 positions: prefill batches of 512, 512 and 6. Holding them all would be 1 030 × vocab floats.
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        int[] tokens = Enumerable.Range(0, 1030).Select(i => (i * 37 + 11) % 1000).ToArray();
        string outPath = Path.Combine(_dir, "many.f32");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (code, _, error) = Run("logits", model, "--tokens", string.Join(',', tokens), "--out", outPath, "--threads", "1");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(code, Is.EqualTo(0), error);

        using NativeInfer.Runtime.InferenceModel m = NativeInfer.Runtime.InferenceModel.Load(model);
        int vocab = m.Config.VocabSize;
        var reference = new float[tokens.Length * vocab];
        using (var session = m.CreateSession(new NativeInfer.Runtime.SessionOptions { Threads = 1, ContextLength = tokens.Length }))
            session.ForwardAll(tokens, reference);
        float[][] rows = ReadRows(outPath, vocab);
        Assert.That(rows, Has.Length.EqualTo(tokens.Length));
        for (int p = 0; p < rows.Length; p++)
            Assert.That(rows[p], Is.EqualTo(reference.AsSpan(p * vocab, vocab).ToArray()), $"position {p}");
        Assert.That(allocated, Is.LessThan((long)tokens.Length * vocab * 4 * 3 / 4), "one batch of rows at a time, not every position");
    }

    [Test]
    public void RuleError_IsOneLine()
    {
        CudaRequirement.NoUsableDevice();
        string model = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string rules = RepoPaths.RequireTestData("rules/ktransformers-Qwen2-57B-A14B-Instruct.yaml");
        var (code, _, error) = Run("logits", model, "--tokens", "1,2", "--rules", rules, "--out", Path.Combine(_dir, "x.f32"));
        AssertOneLineError(code, error, 1, "ktransformers-Qwen2-57B-A14B-Instruct.yaml:61 (rule 8): model.layers.0.input_layernorm is placed on cuda:0");
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "no partial file is left behind");
    }

    [TestCase(new[] { "--tokens", "1,2" }, "--out is required")]
    [TestCase(new[] { "--out", "x.f32" }, "--tokens is required")]
    [TestCase(new[] { "--tokens", "1", "--out", "x.f32", "--threads", "-1" }, "--threads must be an integer in [0, 1024]")]
    public void MissingOrBadOptions_AreUsageErrors(string[] rest, string expected)
    {
        var (code, _, error) = Run(["logits", "model.gguf", .. rest]);
        AssertOneLineError(code, error, 2, expected);
    }
}
