using System.Text.RegularExpressions;
using NativeInfer.Cli;
using NativeInfer.Gguf;
using NativeInfer.Models.Checking;
using NativeInfer.Tests.Config;
using NativeInfer.Tests.Models;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// `nativeinfer check` end to end through Program.Run: the shared tiny models pass with the parameter
/// count, bytes per type and decode bytes an independent parser computed; written models with a
/// missing, misshapen or mistyped tensor fail with one line naming it.
/// </summary>
public class CheckCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-check-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    private static long Printed(string output, string pattern) => long.Parse(Regex.Match(output, pattern, RegexOptions.Multiline).Groups[1].Value);

    private static void AssertOneLineFailure(int code, string error, string contains)
    {
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.StartWith("nativeinfer: check failed: ").And.Contain(contains));
    }

    /// <summary>
    /// Parameters, decode bytes and F32 bytes per file as a stdlib Python GGUF parser computed them
    /// (decode: every tensor in full, token_embd one row, *_exps × used/count).
    /// </summary>
    [TestCase("tiny-deepseek2-lite-f32.gguf", "gguf:deepseek2", 377, 8467584L, 13914692L, 17486336L)]
    [TestCase("tiny-deepseek2-f32.gguf", "gguf:deepseek2", 63, 4997312L, 5931844L, 3605248L)]
    [TestCase("tiny-deepseek2-q.gguf", "gguf:deepseek2", 63, 15913152L, 7809348L, 17152L)]
    [TestCase("tiny-qwen2moe-f32.gguf", "gguf:qwen2moe", 54, 4504064L, 4843588L, 1632256L)]
    [TestCase("tiny-qwen2moe-q.gguf", "gguf:qwen2moe", 54, 14621184L, 7458884L, 10240L)]
    public void TinyModels_AllExpectedTensorsPresent_CountsMatchIndependentSums(
        string name, string builder, int tensors, long parameters, long decodeBytes, long f32Bytes)
    {
        string path = RepoPaths.RequireTestData("models/" + name);
        var (code, output, error) = Run("check", path);
        Assert.That(code, Is.EqualTo(0), error + output);
        Assert.That(output, Does.Contain($"config builder: {builder}"));
        Assert.That(output, Does.Contain($"tensors: {tensors} expected, {tensors} present; 0 missing, 0 wrong shape, 0 wrong type, 0 unexpected"));
        using (GgufFile file = GgufFile.Open(path))
            Assert.That(file.Tensors.Sum(t => t.ElementCount), Is.EqualTo(parameters), "the file's own tensor table agrees with the Python dump");
        Assert.That(Printed(output, @"^parameters: (\d+)"), Is.EqualTo(parameters));
        Assert.That(Printed(output, @"^decode step reads (\d+) bytes"), Is.EqualTo(decodeBytes));
        Assert.That(Printed(output, @"^  F32 +\d+ tensors +\d+ params +(\d+) bytes"), Is.EqualTo(f32Bytes));
        Assert.That(output, Does.EndWith("result: OK" + Environment.NewLine));
        Assert.That(error, Is.Empty);
    }

    [Test]
    public void TinyDeepseekQ_BytesPerTypeMatchTheDump()
    {
        var (code, output, _) = Run("check", RepoPaths.RequireTestData("models/tiny-deepseek2-q.gguf"));
        Assert.That(code, Is.EqualTo(0));
        // type: tensors, params, bytes (Python dump).
        foreach ((string type, int n, long p, long b) in new[]
                 { ("Q8_0", 18, 13287424L, 14117888L), ("F32", 20, 4288L, 17152L), ("F16", 4, 98304L, 196608L), ("Q4_0", 14, 1671168L, 940032L), ("Q6_K", 4, 65536L, 53760L), ("Q4_K", 3, 786432L, 442368L) })
            Assert.That(output, Does.Match($@"\n  {type} +{n} tensors +{p} params +{b} bytes"), type);
    }

    [Test]
    public void VocabOnlyGguf_FailsClearly_NoTensors()
    {
        var (code, output, error) = Run("check", RepoPaths.RequireTestData("vocab/ggml-vocab-llama-spm.gguf"));
        AssertOneLineFailure(code, error, "ggml-vocab-llama-spm.gguf has no tensors (a vocabulary-only file?); the LlamaForCausalLM model expects 291 tensors");
        Assert.That(output, Does.Contain("config builder: gguf:llama"), "the config is still reported");
    }

    [Test]
    public void WrittenLlama_Complete_Passes_WithHandComputedDecodeBytes()
    {
        string path = CheckModels.WriteGguf(Path.Combine(_dir, "llama.gguf"), CheckModels.LlamaMetadata(), CheckModels.LlamaTensors());
        var (code, output, error) = Run("check", path);
        Assert.That(code, Is.EqualTo(0), error);
        // All F32: embedding row 32·4 = 128; q 32·32 + k 32·16 + v 32·16 + o 32·32 = 3072 values; norms 3·32;
        // MLP 3·32·64 = 6144; head 32·64 = 2048. (128 + 4·(3072 + 96 + 6144 + 2048)) = 45568 bytes.
        Assert.That(Printed(output, @"^decode step reads (\d+) bytes"), Is.EqualTo(45568));
        Assert.That(Printed(output, @"^parameters: (\d+)"), Is.EqualTo(2048 + 32 + 2048 + 3072 + 64 + 6144));
    }

    [Test]
    public void MissingTensor_FailsNamingIt()
    {
        var tensors = CheckModels.LlamaTensors().Where(t => t.Name != "blk.0.attn_k.weight");
        var (code, output, error) = Run("check", CheckModels.WriteGguf(Path.Combine(_dir, "m.gguf"), CheckModels.LlamaMetadata(), tensors));
        AssertOneLineFailure(code, error, "blk.0.attn_k.weight: missing (expected [32, 16])");
        Assert.That(output, Does.Contain("1 missing, 0 wrong shape, 0 wrong type"));
    }

    [Test]
    public void WrongShape_FailsNamingIt()
    {
        var tensors = CheckModels.LlamaTensors().Select(t => t.Name == "blk.0.attn_q.weight" ? (t.Name, t.Type, new long[] { 32, 16 }) : t);
        var (code, _, error) = Run("check", CheckModels.WriteGguf(Path.Combine(_dir, "s.gguf"), CheckModels.LlamaMetadata(), tensors));
        AssertOneLineFailure(code, error, "blk.0.attn_q.weight: shape [32, 16], expected [32, 32]");
    }

    [Test]
    public void TypeNoKernelAccepts_FailsNamingIt()
    {
        var tensors = CheckModels.LlamaTensors().Select(t => t.Name == "blk.0.ffn_up.weight" ? (t.Name, GgmlType.I16, t.Ne) : t);
        var (code, _, error) = Run("check", CheckModels.WriteGguf(Path.Combine(_dir, "t.gguf"), CheckModels.LlamaMetadata(), tensors));
        // The list is the native library's table of weight types.
        AssertOneLineFailure(code, error, $"blk.0.ffn_up.weight: type I16 is not one the kernels accept ({string.Join(", ", ModelCheck.KernelTypes)})");
        Assert.That(ModelCheck.KernelTypes, Is.SupersetOf(new[] { "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K",
                                                                  "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS" }));
    }

    [Test]
    public void QuantizedNorm_FailsAsA1DTensorType()
    {
        var tensors = CheckModels.LlamaTensors().Select(t => t.Name == "blk.0.ffn_norm.weight" ? (t.Name, GgmlType.Q8_0, t.Ne) : t);
        var (code, _, error) = Run("check", CheckModels.WriteGguf(Path.Combine(_dir, "n.gguf"), CheckModels.LlamaMetadata(), tensors));
        AssertOneLineFailure(code, error, "blk.0.ffn_norm.weight: type Q8_0 cannot hold a 1-D tensor (norm weight or bias) (F32, F16, BF16)");
    }

    [Test]
    public void UnexpectedTensor_IsListed_AndFailsTheCheck()
    {
        // llama 3's rope_freqs (RoPE frequency factors) changes the math; nothing here computes it.
        var tensors = CheckModels.LlamaTensors().Append(("rope_freqs.weight", GgmlType.F32, new long[] { 8 }));
        string path = CheckModels.WriteGguf(Path.Combine(_dir, "u.gguf"), CheckModels.LlamaMetadata(), tensors);
        var (code, output, error) = Run("check", path);
        Assert.That(output, Does.Contain("? rope_freqs.weight: unexpected F32 [8]").And.Contain("plus 8 in unexpected tensors"));
        AssertOneLineFailure(code, error, "unexpected tensor rope_freqs.weight F32 [8]: no module of LlamaForCausalLM uses it");
    }

    [Test]
    public void TiedEmbeddings_NoOutputTensor_HeadReadsTheWholeTable()
    {
        var tensors = CheckModels.LlamaTensors().Where(t => t.Name != "output.weight");
        var (code, output, error) = Run("check", CheckModels.WriteGguf(Path.Combine(_dir, "tied.gguf"), CheckModels.LlamaMetadata(), tensors));
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("TiedEmbeddings                           true"));
        // Same traffic as untied (the head still reads 32·64 values), one fewer tensor, 2048 fewer parameters.
        Assert.That(Printed(output, @"^decode step reads (\d+) bytes"), Is.EqualTo(45568));
        Assert.That(Printed(output, @"^  LmHead +(\d+) bytes"), Is.EqualTo(32 * 64 * 4));
        Assert.That(Printed(output, @"^parameters: (\d+)"), Is.EqualTo(2048 + 32 + 3072 + 64 + 6144));
    }

    [Test]
    public void UnknownArchitecture_FailsWithTheMapsNames_ModuleMapFileFixesIt()
    {
        string path = CheckModels.WriteGguf(Path.Combine(_dir, "i.gguf"), CheckModels.LlamaMetadata("internlm2"),
            CheckModels.LlamaTensors());
        var (code, _, error) = Run("check", path);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.StartWith("nativeinfer: unknown architecture 'internlm2' (the module map knows:"));

        string map = Path.Combine(_dir, "map.yaml");
        File.WriteAllText(map, $"internlm2: {typeof(CustomLlamaDefinition).AssemblyQualifiedName}\n");
        var (ok, output, error2) = Run("check", path, "--module-map", map);
        Assert.That(ok, Is.EqualTo(0), error2);
        Assert.That(output, Does.Contain("architecture: internlm2 → CustomLlamaDefinition (CustomForCausalLM)").And.Contain("config builder: gguf:default"));
    }

    [Test]
    public void NoBuilder_FailsWithOneLine()
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "rwkv7");
        string path = CheckModels.WriteGguf(Path.Combine(_dir, "r.gguf"), w, []);
        var (code, _, error) = Run("check", path);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.Contain("no config builder for Gguf architecture 'rwkv7'"));
    }

    [Test]
    public void HuggingFaceDirectory_ConfigAndSafetensors_Passes()
    {
        string dir = CheckModels.WriteHf(Path.Combine(_dir, "ds"), CheckModels.TinyDeepseekConfig, CheckModels.TinyDeepseekTensors());
        var (code, output, error) = Run("check", dir);
        Assert.That(code, Is.EqualTo(0), error + output);
        Assert.That(output, Does.Contain("config builder: hf:deepseek_v2").And.Contain("(config.json + safetensors)"));
        // embed 800 + norm 16 + head 800; per layer norms 32 + q 256 + kv_a 192 + kv_a_norm 8 + kv_b 128 + o 128 (×2);
        // dense MLP 3·512; router 64 + experts 4·384 + shared 384.
        Assert.That(Printed(output, @"^parameters: (\d+)"), Is.EqualTo(1616 + 2 * 744 + 1536 + 64 + 1536 + 384));
        // BF16 2-D, F32 norms: row 32 + head 1600 + norms 96·4 + attention 1408·2 + MLP 3072 + router 128 + shared 768 + experts 1536·2/4·2.
        Assert.That(Printed(output, @"^decode step reads (\d+) bytes"), Is.EqualTo(32 + 1600 + 384 + 2816 + 3072 + 128 + 768 + 1536));
    }

    [Test]
    public void HuggingFaceDirectory_MissingExpertAndWrongDType_FailNamingTheTensor()
    {
        var tensors = CheckModels.TinyDeepseekTensors().Where(t => t.Name != "model.layers.1.mlp.experts.3.down_proj.weight");
        var (code, _, error) = Run("check", CheckModels.WriteHf(Path.Combine(_dir, "a"), CheckModels.TinyDeepseekConfig, tensors));
        AssertOneLineFailure(code, error, "model.layers.1.mlp.experts.3.down_proj.weight: missing (expected [8, 16])");

        tensors = CheckModels.TinyDeepseekTensors().Select(t => t.Name == "model.layers.0.self_attn.o_proj.weight" ? (t.Name, "I32", t.Shape) : t);
        (code, _, error) = Run("check", CheckModels.WriteHf(Path.Combine(_dir, "b"), CheckModels.TinyDeepseekConfig, tensors));
        AssertOneLineFailure(code, error, "model.layers.0.self_attn.o_proj.weight: type I32 is not one the kernels accept");
    }

    [Test]
    public void HuggingFaceDirectory_WithoutWeights_Fails()
    {
        string dir = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), CheckModels.TinyDeepseekConfig);
        var (code, output, error) = Run("check", dir);
        AssertOneLineFailure(code, error, "has no safetensors checkpoint");
        Assert.That(output, Does.Contain("config builder: hf:deepseek_v2"));
    }

    [Test]
    public void GgufWithItsConfigJson_Agrees()
    {
        string config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, HfConfigs.TinyDeepseekV2Lite);
        var (code, output, error) = Run("check", RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.gguf"), "--config", config);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain($"cross-check with {config} (hf:deepseek_v2): agrees"));
    }

    [Test]
    public void GgufWithADifferentConfigJson_ReportsEachDisagreement_AndFails()
    {
        string config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, HfConfigs.TinyDeepseekV2Lite.Replace("\"norm_topk_prob\": false", "\"norm_topk_prob\": true").Replace("\"rope_theta\": 10000", "\"rope_theta\": 50000"));
        var (code, output, error) = Run("check", RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.gguf"), "--config", _dir);
        AssertOneLineFailure(code, error, "GGUF and config.json disagree on Rope.Base (10000 vs 50000) and 1 more field(s)");
        Assert.That(output, Does.Contain("✗ Moe.NormalizeTopKProbabilities: GGUF false, config.json true"));
    }

    [Test]
    public void UsageErrors()
    {
        var (code, _, error) = Run("check");
        Assert.That((code, error.Contains("missing model")), Is.EqualTo((2, true)));
        (code, _, error) = Run("check", Path.Combine(_dir, "absent.gguf"));
        Assert.That((code, error.Contains("no such file or directory")), Is.EqualTo((1, true)));
        (code, _, error) = Run("check", _dir, "--config", _dir);
        Assert.That(code, Is.EqualTo(2));
        (code, _, error) = Run("check", _dir);
        Assert.That((code, error.Trim()), Is.EqualTo((1, $"nativeinfer: {_dir} has no config.json (a model directory needs one)")));
    }
}
