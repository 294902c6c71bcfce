using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Config;

/// <summary>
/// The built-in GGUF builders on the shared tiny models. Expected values are the files' metadata as
/// dumped by an independent parser (a stdlib Python GGUF reader), not read back through our reader;
/// the derived fields are hand-computed from it (comments say how).
/// </summary>
public class GgufConfigBuilderTests
{
    private static ModelConfig Build(string relative, out string builder)
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData(relative));
        ModelConfig config = new ModelConfigBuilders().Build(ModelSource.FromGguf(file), out IModelConfigBuilder b);
        builder = b.Name;
        return config;
    }

    /// <summary>YaRN mscale from yarn_log_multiplier = 0.0707 (f32) ×10: within float rounding of DeepSeek-V2-Lite's 0.707.</summary>
    private static RopeScaling Yarn(ModelConfig actual)
    {
        RopeScaling s = actual.Rope.Scaling!;
        Assert.That(s.MScaleAllDim, Is.EqualTo(0.707f).Within(1e-6f), "10 × yarn_log_multiplier");
        Assert.That(s.MScale, Is.EqualTo(s.MScaleAllDim), "GGUF has no mscale: taken equal to mscale_all_dim");
        return new RopeScaling { Type = RopeScalingType.Yarn, Factor = 40, OriginalContextLength = 4096, BetaFast = 32, BetaSlow = 1, MScale = s.MScale, MScaleAllDim = s.MScaleAllDim };
    }

    [Test]
    public void DeepseekV2Lite_F32_NoQLora_TwoSharedExperts()
    {
        ModelConfig c = Build("models/tiny-deepseek2-lite-f32.gguf", out string builder);
        Assert.That(builder, Is.EqualTo("gguf:deepseek2"));
        var expected = new ModelConfig
        {
            Architecture = "deepseek2", BuiltBy = "gguf:deepseek2",
            HiddenSize = 64, NumLayers = 27, VocabSize = 32000, ContextLength = 163840, NormEps = 1e-6f,
            TiedEmbeddings = false, BosTokenId = 1, EosTokenId = 2,
            // key_length 48 = nope + rope(16) → nope 32; value_length 32; no q_lora_rank key.
            Attention = new AttentionConfig
            {
                Kind = AttentionKind.MultiHeadLatent, NumHeads = 4, NumKvHeads = 4, QLoraRank = null, KvLoraRank = 64,
                QkNopeHeadDim = 32, QkRopeHeadDim = 16, VHeadDim = 32,
            },
            Rope = new RopeConfig { Base = 10000, Dimensions = 16, Style = RopeStyle.AdjacentPairs, Scaling = Yarn(c) },
            IntermediateSize = 128,
            // expert_shared_count 2 × expert_feed_forward_length 64 = 128 (the ffn_*_shexp width in the file).
            Moe = new MoeConfig
            {
                NumExperts = 8, ExpertsPerToken = 2, ExpertIntermediateSize = 64, NumSharedExperts = 2, SharedIntermediateSize = 128,
                SharedGate = SharedExpertGate.None, LeadingDenseBlocks = 1, LayerFrequency = 1, Routing = RoutingMethod.Greedy,
                Scoring = ScoringFunction.Softmax, NormalizeTopKProbabilities = false, RoutedScalingFactor = 1,
            },
        };
        Assert.That(c, Is.EqualTo(expected));
        Assert.That(c.Attention.CacheWidth, Is.EqualTo(64 + 16), "MLA caches [c | k_pe]");
        Assert.That(c.IsMoeLayer(0), Is.False);
        Assert.That(c.IsMoeLayer(26), Is.True);
    }

    [Test]
    public void DeepseekV2_F32_QLora_ExpertWeightsScale16()
    {
        ModelConfig c = Build("models/tiny-deepseek2-f32.gguf", out _);
        Assert.That(c.Attention, Is.EqualTo(new AttentionConfig
        {
            // key_length 64 − rope 32 = nope 32.
            Kind = AttentionKind.MultiHeadLatent, NumHeads = 4, NumKvHeads = 4, QLoraRank = 96, KvLoraRank = 64,
            QkNopeHeadDim = 32, QkRopeHeadDim = 32, VHeadDim = 32,
        }));
        Assert.That(c.Moe, Is.EqualTo(new MoeConfig
        {
            NumExperts = 16, ExpertsPerToken = 4, ExpertIntermediateSize = 64, NumSharedExperts = 1, SharedIntermediateSize = 64,
            LeadingDenseBlocks = 1, RoutedScalingFactor = 16, NormalizeTopKProbabilities = false,
        }));
        Assert.That((c.NumLayers, c.VocabSize, c.IntermediateSize, c.Rope.Dimensions), Is.EqualTo((4, 32000, 128, 32)));
        Assert.That(c.Rope.Scaling, Is.EqualTo(Yarn(c)));
    }

    [Test]
    public void DeepseekV2_Quantized_DeepSeekVocabulary()
    {
        ModelConfig c = Build("models/tiny-deepseek2-q.gguf", out _);
        Assert.That((c.VocabSize, c.BosTokenId, c.EosTokenId), Is.EqualTo((102400, (int?)100000, (int?)100001)));
        Assert.That((c.IntermediateSize, c.Moe!.ExpertIntermediateSize, c.Moe.SharedIntermediateSize), Is.EqualTo((256, 256, 256)));
        Assert.That(c.Attention.QLoraRank, Is.EqualTo(96));
    }

    [Test]
    public void Qwen2Moe_F32_GqaBiasNeoxGatedSharedExpert()
    {
        ModelConfig c = Build("models/tiny-qwen2moe-f32.gguf", out string builder);
        Assert.That(builder, Is.EqualTo("gguf:qwen2moe"));
        var expected = new ModelConfig
        {
            Architecture = "qwen2moe", BuiltBy = "gguf:qwen2moe",
            // No qwen2moe.vocab_size key: 32000 is the length of tokenizer.ggml.tokens.
            HiddenSize = 64, NumLayers = 3, VocabSize = 32000, ContextLength = 32768, NormEps = 1e-6f,
            TiedEmbeddings = false, BosTokenId = 1, EosTokenId = 2,
            // No key_length: 64 / 4 heads = 16.
            Attention = new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 4, NumKvHeads = 2, HeadDim = 16, ValueHeadDim = 16, QkvBias = true },
            Rope = new RopeConfig { Base = 1e6f, Dimensions = 16, Style = RopeStyle.Neox },
            IntermediateSize = 64,
            Moe = new MoeConfig
            {
                NumExperts = 8, ExpertsPerToken = 2, ExpertIntermediateSize = 64, NumSharedExperts = 1, SharedIntermediateSize = 128,
                SharedGate = SharedExpertGate.Sigmoid, Routing = RoutingMethod.Greedy, Scoring = ScoringFunction.Softmax,
                NormalizeTopKProbabilities = false, RoutedScalingFactor = 1,
            },
        };
        Assert.That(c, Is.EqualTo(expected));
        Assert.That(Enumerable.Range(0, 3).All(c.IsMoeLayer), "every qwen2moe layer is sparse");
    }

    [Test]
    public void Qwen2Moe_Quantized_WidthsFromExpertKeys()
    {
        ModelConfig c = Build("models/tiny-qwen2moe-q.gguf", out _);
        Assert.That((c.IntermediateSize, c.Moe!.ExpertIntermediateSize, c.Moe.SharedIntermediateSize), Is.EqualTo((256, 256, 512)));
        Assert.That((c.VocabSize, c.BosTokenId, c.EosTokenId), Is.EqualTo((102400, (int?)100000, (int?)100001)));
    }

    [Test]
    public void VocabOnlyFiles_AreLlamaConfigs_WithDefaultsAndNoTying()
    {
        ModelConfig spm = Build("vocab/ggml-vocab-llama-spm.gguf", out string builder);
        Assert.That(builder, Is.EqualTo("gguf:llama"));
        Assert.That(spm, Is.EqualTo(new ModelConfig
        {
            Architecture = "llama", BuiltBy = "gguf:llama",
            HiddenSize = 4096, NumLayers = 32, VocabSize = 32000, ContextLength = 4096, NormEps = 1e-5f,
            TiedEmbeddings = false, BosTokenId = 1, EosTokenId = 2,
            Attention = new AttentionConfig { Kind = AttentionKind.MultiHead, NumHeads = 32, NumKvHeads = 32, HeadDim = 128, ValueHeadDim = 128 },
            // No rope.freq_base in this file: llama.cpp's default 10000.
            Rope = new RopeConfig { Base = 10000, Dimensions = 128, Style = RopeStyle.AdjacentPairs },
            IntermediateSize = 11008,
        }));
        ModelConfig ds = Build("vocab/ggml-vocab-deepseek-llm.gguf", out _);
        Assert.That((ds.NumLayers, ds.VocabSize, ds.NormEps, ds.BosTokenId), Is.EqualTo((30, 102400, 1e-6f, (int?)100000)));
    }
}
