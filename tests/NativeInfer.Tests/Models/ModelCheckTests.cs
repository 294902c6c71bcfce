using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;
using NativeInfer.Models;
using NativeInfer.Models.Checking;
using NativeInfer.Tests.Config;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Models;

/// <summary>The check report as a library: decode traffic per category (hand-computed), alternative layouts, HF naming schemes, custom registries.</summary>
public class ModelCheckTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-modelcheck-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void DeepseekV2Lite_DecodeTrafficByCategory_MatchesHandComputation()
    {
        ModelCheckReport r = ModelCheck.Run(RepoPaths.RequireTestData("models/tiny-deepseek2-lite-f32.gguf"));
        Assert.That(r.Passed, r.FailureReason);
        var b = r.Decode.Bytes;
        // 27 layers of F32 q [64,192] + kv_a [64,80] + kv_b [64,256] + o [128,64] = 41984 values.
        Assert.That(b[WeightCategory.Attention], Is.EqualTo(27L * 41984 * 4));
        // 26 MoE layers × 3 stacked [64,64,8] tensors, 2 of 8 experts read.
        Assert.That(b[WeightCategory.RoutedExperts], Is.EqualTo(26L * 3 * 64 * 64 * 8 * 4 * 2 / 8));
        Assert.That(b[WeightCategory.SharedExperts], Is.EqualTo(26L * 3 * 64 * 128 * 4));
        Assert.That(b[WeightCategory.Router], Is.EqualTo(26L * 64 * 8 * 4));
        Assert.That(b[WeightCategory.DenseMlp], Is.EqualTo(3L * 64 * 128 * 4));
        // attn_norm, attn_kv_a_norm, ffn_norm per layer + output_norm.
        Assert.That(b[WeightCategory.Norm], Is.EqualTo((27L * 3 * 64 + 64) * 4));
        Assert.That(b[WeightCategory.LmHead], Is.EqualTo(64L * 32000 * 2), "output is F16");
        Assert.That(b[WeightCategory.Embedding], Is.EqualTo(2 * 34), "one Q8_0 row of 64 values: two 34-byte blocks");
        Assert.That(r.Decode.TotalBytes, Is.EqualTo(13914692), "the Python dump's total");
        Assert.That(r.Decode.TokensPerSecondAt(13914692), Is.EqualTo(1.0));
    }

    [Test]
    public void Qwen2Moe_SharedExpertGateIsARouter_BiasesAreAttention()
    {
        ModelCheckReport r = ModelCheck.Run(RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf"));
        var byName = r.Tensors.ToDictionary(t => t.Expected.Name);
        Assert.That(byName["blk.0.ffn_gate_inp_shexp.weight"].Expected.Category, Is.EqualTo(WeightCategory.Router));
        Assert.That(byName["blk.0.ffn_gate_inp_shexp.weight"].Expected.Ne, Is.EqualTo(new long[] { 64, 1 }), "stored as [64]: trailing 1 ignored");
        Assert.That(byName["blk.0.attn_q.bias"].Expected.Category, Is.EqualTo(WeightCategory.Attention));
        Assert.That(byName["blk.2.ffn_up_shexp.weight"].Expected.Category, Is.EqualTo(WeightCategory.SharedExperts));
        Assert.That(byName["blk.2.ffn_up_shexp.weight"].Expected.ModulePath, Is.EqualTo("model.layers.2.mlp.shared_expert.up_proj"));
        Assert.That(r.Tensors.All(t => t.Status == TensorStatus.Ok));
    }

    private string DeepseekWithSplitKvb(bool withVb)
    {
        // The tiny-deepseek2-lite metadata, 1 layer, kv_b written split as llama.cpp's newer converter does.
        var w = SyntheticGguf.DeepseekV2Lite()
            .Set("deepseek2.block_count", x => x.AddUInt32("deepseek2.block_count", 1))
            .Set("deepseek2.leading_dense_block_count", x => x.AddUInt32("deepseek2.leading_dense_block_count", 1))
            .Set("deepseek2.vocab_size", x => x.AddUInt32("deepseek2.vocab_size", 32));
        var tensors = new List<(string, GgmlType, long[])>
        {
            ("token_embd.weight", GgmlType.F32, [64, 32]), ("output_norm.weight", GgmlType.F32, [64]), ("output.weight", GgmlType.F32, [64, 32]),
            ("blk.0.attn_norm.weight", GgmlType.F32, [64]), ("blk.0.attn_q.weight", GgmlType.F32, [64, 192]),
            ("blk.0.attn_kv_a_mqa.weight", GgmlType.F32, [64, 80]), ("blk.0.attn_kv_a_norm.weight", GgmlType.F32, [64]),
            ("blk.0.attn_k_b.weight", GgmlType.F32, [32, 64, 4]),
            ("blk.0.attn_output.weight", GgmlType.F32, [128, 64]), ("blk.0.ffn_norm.weight", GgmlType.F32, [64]),
            ("blk.0.ffn_gate.weight", GgmlType.F32, [64, 128]), ("blk.0.ffn_up.weight", GgmlType.F32, [64, 128]), ("blk.0.ffn_down.weight", GgmlType.F32, [128, 64]),
        };
        if (withVb) tensors.Add(("blk.0.attn_v_b.weight", GgmlType.F32, [64, 32, 4]));
        return CheckModels.WriteGguf(Path.Combine(_dir, withVb ? "split.gguf" : "half.gguf"), w, tensors);
    }

    [Test]
    public void SplitKvb_IsAnAcceptedAlternative()
    {
        ModelCheckReport r = ModelCheck.Run(DeepseekWithSplitKvb(withVb: true));
        Assert.That(r.Passed, r.FailureReason);
        Assert.That(r.Tensors.Select(t => t.Expected.Name), Does.Contain("blk.0.attn_k_b.weight").And.Contain("blk.0.attn_v_b.weight").And.Not.Contain("blk.0.attn_kv_b.weight"));
        Assert.That(r.Tensors.Single(t => t.Expected.Name == "blk.0.attn_v_b.weight").Expected.Role, Is.EqualTo("v_b"));
    }

    [Test]
    public void HalfOfTheSplitKvb_ReportsTheMissingHalf()
    {
        ModelCheckReport r = ModelCheck.Run(DeepseekWithSplitKvb(withVb: false));
        Assert.That(r.FailureReason, Does.StartWith("blk.0.attn_v_b.weight: missing (expected [64, 32, 4], or blk.0.attn_kv_b.weight)"));
        Assert.That(r.Unexpected, Is.Empty, "attn_k_b counts as part of the chosen layout");
    }

    [Test]
    public void MixtralCheckpoint_W1W2W3Names_UnderBlockSparseMoe()
    {
        const string config = """
            { "architectures": ["MixtralForCausalLM"], "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
              "intermediate_size": 8, "vocab_size": 20, "num_local_experts": 2, "num_experts_per_tok": 1, "tie_word_embeddings": true }
            """;
        var tensors = new List<(string, string, long[])>
        {
            ("model.embed_tokens.weight", "F16", [20, 16]), ("model.norm.weight", "F32", [16]),
            ("model.layers.0.input_layernorm.weight", "F32", [16]), ("model.layers.0.post_attention_layernorm.weight", "F32", [16]),
            ("model.layers.0.self_attn.q_proj.weight", "F16", [16, 16]), ("model.layers.0.self_attn.k_proj.weight", "F16", [8, 16]),
            ("model.layers.0.self_attn.v_proj.weight", "F16", [8, 16]), ("model.layers.0.self_attn.o_proj.weight", "F16", [16, 16]),
            ("model.layers.0.block_sparse_moe.gate.weight", "F16", [2, 16]),
        };
        for (int e = 0; e < 2; e++)
        {
            tensors.Add(($"model.layers.0.block_sparse_moe.experts.{e}.w1.weight", "F16", [8, 16]));
            tensors.Add(($"model.layers.0.block_sparse_moe.experts.{e}.w3.weight", "F16", [8, 16]));
            tensors.Add(($"model.layers.0.block_sparse_moe.experts.{e}.w2.weight", "F16", [16, 8]));
        }
        ModelCheckReport r = ModelCheck.Run(CheckModels.WriteHf(Path.Combine(_dir, "mixtral"), config, tensors));
        Assert.That(r.Passed, r.FailureReason);
        Assert.That((r.BuilderName, r.ModelClass, r.Config.TiedEmbeddings), Is.EqualTo(("hf:mixtral", "MixtralForCausalLM", true)));
        // Tied: the head reads the whole embedding (20·16 F16); experts 1 of 2.
        Assert.That(r.Decode.Bytes[WeightCategory.LmHead], Is.EqualTo(20 * 16 * 2));
        Assert.That(r.Decode.Bytes[WeightCategory.RoutedExperts], Is.EqualTo(2 * 3 * 128 * 2 / 2));
    }

    [Test]
    public void CustomRegistryAndMap_AreUsed()
    {
        string path = CheckModels.WriteGguf(Path.Combine(_dir, "llama.gguf"), CheckModels.LlamaMetadata(), CheckModels.LlamaTensors());
        var builders = new ModelConfigBuilders().Register("tiny-llama", 500, s => s.Architecture == "llama", s => new ModelConfigBuilders().Build(s) with { ContextLength = 7 });
        var map = new ModuleMap().Register<CustomLlamaDefinition>("llama");
        ModelCheckReport r = ModelCheck.Run(path, new ModelCheckOptions { Builders = builders, ModuleMap = map });
        Assert.That((r.BuilderName, r.Config.BuiltBy, r.Config.ContextLength, r.ModelClass, r.Passed), Is.EqualTo(("tiny-llama", "tiny-llama", 7, "CustomForCausalLM", true)));
    }

    [Test]
    public void Flatten_AndDifferences_ToleranceAndIgnoredFields()
    {
        ModelConfig a = ModuleTreeTests.DeepseekV2Lite();
        var fields = ModelConfigFields.Flatten(a).ToDictionary(p => p.Key, p => p.Value);
        Assert.That(fields["Attention.KvLoraRank"], Is.EqualTo(512));
        Assert.That(fields["Rope.Scaling.Factor"], Is.EqualTo(40f));
        Assert.That(fields["Moe.SharedIntermediateSize"], Is.EqualTo(2816));
        ModelConfig b = a with { Rope = a.Rope with { Style = RopeStyle.Neox, Scaling = a.Rope.Scaling! with { MScale = 0.70699996f } }, Architecture = "DeepseekV2ForCausalLM" };
        Assert.That(ModelConfigFields.Differences(a, b, ConfigCrossCheck.IgnoredFields), Is.Empty, "float32 rounding of 0.707 and ignored names");
        var differences = ModelConfigFields.Differences(a, b with { Moe = null });
        Assert.That(differences.Select(d => d.Field), Is.EqualTo(new[] { "Architecture", "Rope.Style", "Moe" }), "a missing MoE block is one difference");
        Assert.That(differences[2], Is.EqualTo(("Moe", (object?)ModelConfigFields.SetMarker, (object?)null)));
    }
}
