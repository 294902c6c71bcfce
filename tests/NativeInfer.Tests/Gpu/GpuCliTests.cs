using System.Buffers.Binary;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// The CLI's --emulate-gpu / --gpu: a KTransformers rule file runs through the GPU decode path (here on the emulated
/// cuda:0), `rules explain` shows it, and the logits command's rows match llama.cpp's on the first prompt positions.
/// </summary>
[Category("GpuEmulated")]
[NonParallelizable]
public class GpuCliTests
{
    private const string V3Rules = "rules/ktransformers-2026/DeepSeek-V3-Chat.yaml";
    private const string V2LiteRules = "rules/ktransformers-DeepSeek-V2-Lite-Chat.yaml";
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ni-gpu-cli-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void RulesExplain_EmulateGpu_PlansTheV3FileOntoCuda0()
    {
        var (code, output, error) = Support.Cli.Run("rules", "explain", RepoPaths.RequireTestData("models/tiny-deepseek3-f32.gguf"), RepoPaths.RequireTestData(V3Rules), "--emulate-gpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("0 warning(s)").And.Not.Contain("fallback"));
        string attention = output.Split('\n').Single(l => l.StartsWith("model.layers.1.self_attn ", StringComparison.Ordinal));
        Assert.That(attention, Does.Contain("GpuDecodePath (emulated)").And.EndWith("cuda:0"));
        string experts = output.Split('\n').Single(l => l.StartsWith("model.layers.1.mlp.experts ", StringComparison.Ordinal));
        Assert.That(experts, Does.Contain("KTransformersExperts (KExpertsCPU)").And.Contain("cpu (prefill_device cuda:0"));
    }

    [Test]
    public void Logits_EmulateGpu_RowsMatchLlamaCpp()
    {
        const int positions = 5;
        var reference = ReferenceLogits.Load(RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.reference.json"));
        string outPath = Path.Combine(_dir, "logits.f32");
        var (code, output, error) = Support.Cli.Run("logits", RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.gguf"),
            "--tokens", string.Join(",", reference.PromptTokens[..positions]), "--rules", RepoPaths.RequireTestData(V2LiteRules),
            "--emulate-gpu", "--gpu-linears", "f32", "--threads", "2", "--out", outPath);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain($"{positions} positions × 32000 float32 logits"));

        byte[] bytes = File.ReadAllBytes(outPath);
        const int vocab = 32000;
        Assert.That(bytes, Has.Length.EqualTo(positions * vocab * 4));
        float[][] rows = Enumerable.Range(0, positions)
            .Select(p => Enumerable.Range(0, vocab).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((p * vocab + i) * 4))).ToArray()).ToArray();
        ReferenceLogits prefix = GpuRulePlacementTests.Prefix(reference, positions);
        prefix.AssertWithinTolerance(prefix.Compare(rows));
    }

    [Test]
    public void Gpu_WithoutADevice_IsAOneLineErrorNamingCuda0()
    {
        CudaRequirement.NoUsableDevice();
        var run = Support.Cli.Run("rules", "explain", RepoPaths.RequireTestData("models/tiny-deepseek3-f32.gguf"), RepoPaths.RequireTestData(V3Rules), "--gpu");
        Support.Cli.AssertOneLineError(run, 1, "cuda:0");
        Assert.That(run.Err, Does.Contain("not available"));
    }

    [Test]
    public void GpuAndEmulateGpu_ExcludeEachOther() =>
        Support.Cli.AssertOneLineError(Support.Cli.Run("rules", "explain", "m.gguf", "r.yaml", "--gpu", "--emulate-gpu"), 2, "exclude each other");
}
