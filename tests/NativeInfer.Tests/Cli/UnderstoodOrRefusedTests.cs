using NativeInfer.Gguf;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// A file is understood completely or refused: a reference model copied with one tensor its architecture
/// does not define, or one metadata key that may change the math and that nothing reads, is refused by
/// `check`, `logits` and `generate` with one line naming the tensor or key — where before the tensor was
/// listed as "unexpected" and the model ran without it. A declared multi-token-prediction layer is
/// accepted and listed by `check` as ignored, with the reason.
/// </summary>
[NonParallelizable]
public class UnderstoodOrRefusedTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-refused-").FullName;

    [OneTimeTearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>tiny-deepseek2-f32 rewritten with its metadata and tensors, plus what <paramref name="extra"/> adds.</summary>
    private string Variant(string name, Action<GgufWriter> extra)
    {
        string path = Path.Combine(_dir, name + ".gguf");
        using GgufFile source = GgufFile.Open(RepoPaths.RequireTestData("models/tiny-deepseek2-f32.gguf"));
        var writer = new GgufWriter();
        foreach (GgufMetadataEntry entry in source.Metadata) writer.Add(entry);
        foreach (GgufTensor tensor in source.Tensors) writer.AddTensor(tensor);
        extra(writer);
        writer.WriteTo(path);
        return path;
    }

    private static IEnumerable<(int Code, string Out, string Err)> Commands(string model, string scratch)
    {
        yield return Support.Cli.Run("check", model);
        yield return Support.Cli.Run("logits", model, "--tokens", "1,2,3", "--out", Path.Combine(scratch, "l.f32"));
        yield return Support.Cli.Run("generate", model, "--prompt", "Hello", "--max-tokens", "2");
    }

    [Test]
    public void UnknownTensor_IsRefusedByCheckLogitsAndGenerate_NamingIt()
    {
        // Attention sinks (gpt-oss): a per-head term in the softmax that nothing here computes.
        string model = Variant("sinks", w => w.AddTensor("blk.1.attn_sinks.weight", GgmlType.F32, [4], new byte[16]));
        foreach (var run in Commands(model, _dir))
            Support.Cli.AssertOneLineError(run, 1, "blk.1.attn_sinks.weight");
        Assert.That(Directory.GetFiles(_dir, "*.f32*"), Is.Empty, "logits writes nothing");
    }

    [Test]
    public void UnreadMetadataKey_IsRefusedByCheckLogitsAndGenerate_NamingIt()
    {
        // A YaRN attention factor other than the default would scale the attention; the builder does not read it.
        string model = Variant("attn-factor", w => w.AddFloat32("deepseek2.rope.scaling.attn_factor", 0.5f));
        foreach (var run in Commands(model, _dir))
            Support.Cli.AssertOneLineError(run, 1, "metadata key 'deepseek2.rope.scaling.attn_factor' is not understood by config builder 'gguf:deepseek2'");
    }

    [Test]
    public void GatingFunctionThatIsNotImplemented_IsRefused()
    {
        string model = Variant("gating", w =>
        {
            w.Remove("deepseek2.expert_gating_func");
            w.AddUInt32("deepseek2.expert_gating_func", 3);
        });
        Support.Cli.AssertOneLineError(Support.Cli.Run("check", model), 1, "metadata key 'deepseek2.expert_gating_func' is 3, expected 1 (softmax) or 2 (sigmoid)");
    }

    [Test]
    public void MultiTokenPredictionLayer_IsIgnoredWithItsReason_AndTheModelRuns()
    {
        // Layer 4 of a 5-block file is the MTP layer (deepseek2.nextn_predict_layers = 1): its tensors are ignored.
        string model = Variant("mtp", w =>
        {
            w.Remove("deepseek2.block_count");
            w.AddUInt32("deepseek2.block_count", 5);
            w.AddUInt32("deepseek2.nextn_predict_layers", 1);
            w.AddTensor("blk.4.nextn.eh_proj.weight", GgmlType.F32, [128, 64], new byte[128 * 64 * 4]);
            w.AddTensor("blk.4.attn_norm.weight", GgmlType.F32, [64], new byte[64 * 4]);
        });
        var (code, output, error) = Support.Cli.Run("check", model);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("0 unexpected, 2 ignored")
                                .And.Contain("- 2 tensor(s) ignored: multi-token-prediction layer 4 (1 after the 4 decoder layers): only speculative decoding uses it")
                                .And.Contain("NumLayers                                4"));
        // The decoder computes exactly what the file without the MTP layer computes.
        string withMtp = Path.Combine(_dir, "mtp.f32"), without = Path.Combine(_dir, "plain.f32");
        const string tokens = "1,450,4996,17354,1701";
        (code, _, error) = Support.Cli.Run("logits", model, "--tokens", tokens, "--out", withMtp);
        Assert.That(code, Is.EqualTo(0), error);
        (code, _, error) = Support.Cli.Run("logits", RepoPaths.RequireTestData("models/tiny-deepseek2-f32.gguf"), "--tokens", tokens, "--out", without);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(File.ReadAllBytes(withMtp), Is.EqualTo(File.ReadAllBytes(without)));
        File.Delete(withMtp);
        File.Delete(without);
    }
}
