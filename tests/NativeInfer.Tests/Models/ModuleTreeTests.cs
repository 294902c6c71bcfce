using NativeInfer.Config;
using NativeInfer.Models;
using NativeInfer.Models.Modules;

namespace NativeInfer.Tests.Models;

/// <summary>Module trees built from hand-written configs: paths, classes and GGUF names as llama.cpp writes them.</summary>
public class ModuleTreeTests
{
    internal static ModelConfig DeepseekV2Lite(int layers = 3, int? qLora = null) => new ModelConfig
    {
        Architecture = "deepseek2", HiddenSize = 2048, NumLayers = layers, VocabSize = 102400, IntermediateSize = 10944,
        Attention = new AttentionConfig
        {
            Kind = AttentionKind.MultiHeadLatent, NumHeads = 16, NumKvHeads = 16, QLoraRank = qLora, KvLoraRank = 512,
            QkNopeHeadDim = 128, QkRopeHeadDim = 64, VHeadDim = 128,
        },
        Rope = new RopeConfig { Base = 10000, Dimensions = 64, Style = RopeStyle.AdjacentPairs,
            Scaling = new RopeScaling { Type = RopeScalingType.Yarn, Factor = 40, OriginalContextLength = 4096, MScale = 0.707f, MScaleAllDim = 0.707f } },
        Moe = new MoeConfig { NumExperts = 64, ExpertsPerToken = 6, ExpertIntermediateSize = 1408, NumSharedExperts = 2,
            SharedIntermediateSize = 2816, LeadingDenseBlocks = 1 },
    }.Validate();

    [Test]
    public void DeepseekV2_Tree_HasHuggingFacePathsAndGgufNames()
    {
        CausalLM root = new DeepseekDefinition().BuildModuleTree(DeepseekV2Lite());
        Assert.That(root.ClassName, Is.EqualTo("DeepseekV2ForCausalLM"));
        var byPath = root.Descendants().ToDictionary(m => m.Path);
        Assert.That(byPath["model.embed_tokens"].Weights[0].GgufName, Is.EqualTo("token_embd.weight"));
        Assert.That(byPath["model.layers.0.mlp"], Is.TypeOf<DeepseekV2MLP>(), "layer 0 is a leading dense block");
        Assert.That(byPath["model.layers.1.mlp"], Is.TypeOf<DeepseekV2MoE>());
        Assert.That(byPath["model.layers.1.self_attn.q_proj"].Weights[0].GgufName, Is.EqualTo("blk.1.attn_q.weight"));
        Assert.That(byPath["model.layers.1.self_attn.q_proj"].Weights[0].Ne, Is.EqualTo(new long[] { 2048, 16 * 192 }));
        Assert.That(byPath["model.layers.2.self_attn.kv_a_proj_with_mqa"].Weights[0].Ne, Is.EqualTo(new long[] { 2048, 576 }));
        Assert.That(byPath["model.layers.2.self_attn.kv_b_proj"].Weights[0].Ne, Is.EqualTo(new long[] { 512, 16 * 256 }));
        Assert.That(byPath["model.layers.2.self_attn.kv_b_proj"].Weights[0].Alternatives[0].Select(t => t.GgufName),
            Is.EqualTo(new[] { "blk.2.attn_k_b.weight", "blk.2.attn_v_b.weight" }));
        Assert.That(byPath["model.layers.2.mlp.experts"].Weights.Select(t => t.GgufName),
            Is.EqualTo(new[] { "blk.2.ffn_gate_exps.weight", "blk.2.ffn_up_exps.weight", "blk.2.ffn_down_exps.weight" }));
        Assert.That(byPath["model.layers.2.mlp.experts"].Weights[2].Ne, Is.EqualTo(new long[] { 1408, 2048, 64 }));
        Assert.That(byPath["model.layers.2.mlp.shared_experts.down_proj"].Weights[0].GgufName, Is.EqualTo("blk.2.ffn_down_shexp.weight"));
        Assert.That(byPath["model.layers.2.self_attn.rotary_emb"], Is.InstanceOf<DeepseekV2RotaryEmbedding>().And.TypeOf<DeepseekV2YarnRotaryEmbedding>());
        Assert.That(byPath["lm_head"].Weights[0].GgufName, Is.EqualTo("output.weight"));
        Assert.That(byPath["model.norm"].Weights[0].GgufName, Is.EqualTo("output_norm.weight"));
    }

    [Test]
    public void DeepseekV2_WithQLora_UsesLowRankQueryPath()
    {
        var byPath = new DeepseekDefinition().BuildModuleTree(DeepseekV2Lite(qLora: 1536)).Descendants().ToDictionary(m => m.Path);
        Assert.That(byPath.ContainsKey("model.layers.0.self_attn.q_proj"), Is.False);
        Assert.That(byPath["model.layers.0.self_attn.q_a_proj"].Weights[0].Ne, Is.EqualTo(new long[] { 2048, 1536 }));
        Assert.That(byPath["model.layers.0.self_attn.q_a_layernorm"].Weights[0].GgufName, Is.EqualTo("blk.0.attn_q_a_norm.weight"));
        Assert.That(byPath["model.layers.0.self_attn.q_b_proj"].Weights[0].Ne, Is.EqualTo(new long[] { 1536, 16 * 192 }));
    }

    [Test]
    public void TiedEmbeddings_LmHeadOwnsNoTensor()
    {
        var tree = new LlamaDefinition().BuildModuleTree(DeepseekV2Lite() with
        {
            Architecture = "llama", TiedEmbeddings = true, Moe = null,
            Attention = new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 16, NumKvHeads = 4, HeadDim = 128, ValueHeadDim = 128 },
            Rope = new RopeConfig { Base = 10000, Dimensions = 128, Style = RopeStyle.AdjacentPairs },
        });
        Assert.That(tree.LmHead.Weights, Is.Empty);
        Assert.That(tree.Descendants().SelectMany(m => m.Weights).Count(w => w.GgufName == "token_embd.weight"), Is.EqualTo(1));
        Assert.That(tree.Find("model.layers.0.self_attn.k_proj")!.Weights[0].Ne, Is.EqualTo(new long[] { 2048, 4 * 128 }));
    }

    [Test]
    public void Validate_RejectsInconsistentConfig()
    {
        var bad = DeepseekV2Lite() with { Moe = DeepseekV2Lite().Moe! with { ExpertsPerToken = 65 } };
        var e = Assert.Throws<ModelConfigException>(() => bad.Validate())!;
        Assert.That(e.Message, Does.Contain("experts per token must be in [1, 64] (got 65)"));
    }

    [Test]
    public void Mixtral_SparseLayers_UseHuggingFacesBlockSparseMoeName()
    {
        var llama = DeepseekV2Lite() with
        {
            Architecture = "llama", Moe = null,
            Attention = new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 16, NumKvHeads = 4, HeadDim = 128, ValueHeadDim = 128 },
            Rope = new RopeConfig { Base = 10000, Dimensions = 128, Style = RopeStyle.AdjacentPairs },
        };
        var dense = new LlamaDefinition().BuildModuleTree(llama).Descendants().ToDictionary(m => m.Path);
        Assert.That(dense["model.layers.1.mlp"], Is.TypeOf<LlamaMLP>());
        var mixtral = new LlamaDefinition().BuildModuleTree(llama with { Moe = new MoeConfig { NumExperts = 8, ExpertsPerToken = 2, ExpertIntermediateSize = 512 } });
        var byPath = mixtral.Descendants().ToDictionary(m => m.Path);
        Assert.That(mixtral.ClassName, Is.EqualTo("MixtralForCausalLM"));
        Assert.That(byPath["model.layers.1.block_sparse_moe"], Is.TypeOf<MixtralSparseMoeBlock>());
        Assert.That(byPath["model.layers.1.block_sparse_moe.experts"].Weights[0].GgufName, Is.EqualTo("blk.1.ffn_gate_exps.weight"));
        Assert.That(byPath.ContainsKey("model.layers.1.mlp"), Is.False);
    }
}
