using System.Text.RegularExpressions;
using NativeInfer.Config;
using NativeInfer.Gguf;
using NativeInfer.Models.Checking;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;
using NativeInfer.Tests.Config;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Models;

/// <summary>
/// The published configs of DeepSeek-V3, Kimi-K2 and Qwen3-30B-A3B through `nativeinfer check`: the config
/// the builders read, the parameter counts the model cards state (671B total / 37B activated, about 1T /
/// 32B, 30.5B / 3.3B) — here against counts written out from the architectures' formulas — and the bytes
/// one decode step reads. Then DeepSeek-V3's real shape as a GGUF file (sparse: every matrix a hole) is
/// checked, cross-checked with its config.json and loaded.
/// </summary>
[NonParallelizable]
public class PublishedShapeTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-shapes-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string Config(string json)
    {
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static long Printed(string output, string pattern) => long.Parse(Regex.Match(output, pattern, RegexOptions.Multiline).Groups[1].Value);

    /// <summary>Parameters of a DeepSeek-V3-shaped model, term by term from its config (MTP layers excluded).</summary>
    private static (long Total, long Routed, long DecodeElements) DeepseekV3Count(long hidden, long layers, long dense, long vocab, long heads, long qLora,
                                                                                  long kvLora, long nope, long rope, long v, long ffn, long experts, long k, long expertFfn, long shared)
    {
        long attention = hidden * qLora + qLora + qLora * heads * (nope + rope) + hidden * (kvLora + rope) + kvLora
                         + kvLora * heads * (nope + v) + heads * v * hidden;
        long norms = 2 * hidden;
        long denseMlp = 3 * hidden * ffn;
        long routedPerLayer = experts * 3 * hidden * expertFfn;
        long moe = experts * hidden + experts /* e_score_correction_bias */ + routedPerLayer + shared * 3 * hidden * expertFfn;
        long total = 2 * vocab * hidden + hidden + layers * (attention + norms) + dense * denseMlp + (layers - dense) * moe;
        long routed = (layers - dense) * routedPerLayer;
        // A decode step: the embedding's one row, every other weight once, k of the E experts.
        long decode = total - vocab * hidden + hidden - routed + routed / experts * k;
        return (total, routed, decode);
    }

    [Test]
    public void DeepseekV3_Config_ParametersAndDecodeBytes()
    {
        var (code, output, error) = Support.Cli.Run("check", Config(HfConfigs.DeepseekV3));
        Assert.That(code, Is.EqualTo(0), error);
        var (total, routed, decode) = DeepseekV3Count(7168, 61, 3, 129280, 128, 1536, 512, 128, 64, 128, 18432, 256, 8, 2048, 1);
        Assert.That(total, Is.EqualTo(671_026_419_200L).Within(0), "the formula itself: DeepSeek's 671B");
        Assert.That(Printed(output, @"^parameters: (\d+)"), Is.EqualTo(total));
        long active = total - routed + routed / 256 * 8;
        Assert.That(active / 1e9, Is.EqualTo(37.55).Within(0.01), "the model card's 37B activated");
        Assert.That(Printed(output, @"active per token (\d+)"), Is.EqualTo(active));
        Assert.That(Printed(output, @"^decode step reads (\d+) bytes"), Is.EqualTo(2 * decode), "BF16, the config's torch_dtype");
        Assert.That(output, Does.Contain("config builder: hf:deepseek_v3").And.Contain("Moe.Routing                              NoAuxTopKGroups")
                                .And.Contain("Moe.SelectionBias                        true").And.Contain("NextNPredictLayers                       1"));
    }

    [Test]
    public void KimiK2_Config_ParametersAndDecodeBytes()
    {
        var (code, output, error) = Support.Cli.Run("check", Config(HfConfigs.KimiK2));
        Assert.That(code, Is.EqualTo(0), error);
        var (total, routed, decode) = DeepseekV3Count(7168, 61, 1, 163840, 64, 1536, 512, 128, 64, 128, 18432, 384, 8, 2048, 1);
        Assert.That(total / 1e12, Is.EqualTo(1.03).Within(0.01), "Moonshot's 1T");
        Assert.That(Printed(output, @"^parameters: (\d+)"), Is.EqualTo(total));
        long active = total - routed + routed / 384 * 8;
        Assert.That(active / 1e9, Is.EqualTo(32.9).Within(0.1), "the model card's 32B activated");
        Assert.That(Printed(output, @"active per token (\d+)"), Is.EqualTo(active));
        Assert.That(Printed(output, @"^decode step reads (\d+) bytes"), Is.EqualTo(2 * decode));
    }

    [Test]
    public void Qwen3_30B_A3B_Config_ParametersAndDecodeBytes()
    {
        var (code, output, error) = Support.Cli.Run("check", Config(HfConfigs.Qwen3_30B_A3B));
        Assert.That(code, Is.EqualTo(0), error);
        const long hidden = 2048, layers = 48, vocab = 151936, heads = 32, kvHeads = 4, headDim = 128, experts = 128, k = 8, ffn = 768;
        long attention = hidden * heads * headDim + 2 * hidden * kvHeads * headDim + heads * headDim * hidden + 2 * headDim;
        long routedPerLayer = experts * 3 * hidden * ffn;
        long total = 2 * vocab * hidden + hidden + layers * (attention + 2 * hidden + experts * hidden + routedPerLayer);
        long routed = layers * routedPerLayer;
        Assert.That(total / 1e9, Is.EqualTo(30.53).Within(0.01), "Qwen's 30.5B");
        Assert.That(Printed(output, @"^parameters: (\d+)"), Is.EqualTo(total));
        long active = total - routed + routed / experts * k;
        Assert.That(active / 1e9, Is.EqualTo(3.35).Within(0.01), "Qwen's 3.3B activated");
        Assert.That(Printed(output, @"active per token (\d+)"), Is.EqualTo(active));
        Assert.That(Printed(output, @"^decode step reads (\d+) bytes"), Is.EqualTo(2 * (active - vocab * hidden + hidden)));
        Assert.That(output, Does.Contain("Attention.HeadDim                        128").And.Contain("Attention.QkNorm                         true"));
    }

    /// <summary>
    /// DeepSeek-V3 at its real widths as a GGUF (Q4_K matrices, ~380 GB as holes): `check` passes and agrees
    /// with the published config.json, the parameter count is the config's, and the model loads (config, module
    /// tree, rules, every operator bound to its tensors) with the decode bytes `check` reports.
    /// </summary>
    [Test]
    public void DeepseekV3_RealShape_ChecksAgainstItsConfig_AndLoads()
    {
        string gguf = Path.Combine(_dir, "deepseek-v3-shape.gguf");
        SyntheticModelWriter.Write(DeepseekV2SyntheticSpec.DeepSeekV3(GgmlType.Q4_K), gguf, new SyntheticWriteOptions { ZeroMatrices = true });
        long allocated = DiskUsage(gguf);
        if (allocated > 1L << 30) Assert.Ignore($"the file system did not keep the file sparse ({allocated >> 20} MB allocated): skipping the real-shape load");

        ModelCheckReport report = ModelCheck.Run(gguf, new ModelCheckOptions { CompanionConfig = Config(HfConfigs.DeepseekV3) });
        // The synthetic file has no tokenizer, so no BOS / EOS ids: everything else must agree.
        Assert.That(report.Tensors.Where(t => t.IsProblem), Is.Empty);
        Assert.That(report.Unexpected, Is.Empty);
        Assert.That(report.CrossCheck!.Disagreements.Select(d => d.Field), Is.EquivalentTo(new[] { "BosTokenId", "EosTokenId" }),
            string.Join("; ", report.CrossCheck.Disagreements));
        Assert.That(report.ParameterCount, Is.EqualTo(671_026_419_200L));
        ModelConfig c = report.Config;
        Assert.That((c.NumLayers, c.Moe!.LeadingDenseBlocks, c.Moe.NumExperts, c.Moe.ExpertsPerToken, c.Moe.NumSharedExperts, c.Attention.QLoraRank, c.Attention.KvLoraRank, c.VocabSize),
                    Is.EqualTo((61, 3, 256, 8, 1, (int?)1536, 512, 129280)));
        Assert.That((c.Moe.Routing, c.Moe.NumGroups, c.Moe.TopKGroups, c.Moe.SelectionBias, c.Rope.Scaling!.Factor), Is.EqualTo((RoutingMethod.NoAuxTopKGroups, 8, 4, true, 40f)));

        using InferenceModel model = InferenceModel.Load(gguf);
        Assert.That(model.Tree.ClassName, Is.EqualTo("DeepseekV3ForCausalLM"));
        Assert.That(model.DecodeBytesPerToken, Is.EqualTo(report.Decode.TotalBytes).Within(report.Decode.TotalBytes / 1000),
            "the loaded operators read what the check computes");
    }

    /// <summary>Bytes the file system allocated for a file (du), to tell whether holes stayed holes.</summary>
    private static long DiskUsage(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("du", ["-B1", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string line = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return long.Parse(line.Split('\t')[0]);
    }
}
