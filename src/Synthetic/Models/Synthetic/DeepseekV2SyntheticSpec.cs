using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// A synthetic DeepSeek-V2 or V3 (GGUF <c>deepseek2</c>): multi-head latent attention (optional q-LoRA,
/// kv-LoRA latent, decoupled RoPE key, YaRN), leading dense blocks, then MoE blocks with routed and
/// ungated shared experts. V3's router (<see cref="SigmoidGating"/>, <see cref="SelectionBias"/>, groups,
/// renormalisation and scale) and multi-token-prediction layers (<see cref="NextNLayers"/>) are options.
/// Defaults are DeepSeek-V2-Lite's widths.
/// </summary>
public sealed record DeepseekV2SyntheticSpec : SyntheticModelSpec
{
    public DeepseekV2SyntheticSpec()
    {
        Name = "synthetic-deepseek2";
        ContextLength = 163840;
    }

    public override string Architecture => "deepseek2";

    public int Heads { get; init; } = 16;
    public int? QLoraRank { get; init; }
    public int KvLoraRank { get; init; } = 512;
    public int NopeHeadDim { get; init; } = 128;
    public int RopeHeadDim { get; init; } = 64;
    public int VHeadDim { get; init; } = 128;
    public int DenseIntermediate { get; init; } = 10944;
    public int Experts { get; init; } = 64;
    public int ExpertsPerToken { get; init; } = 6;
    public int ExpertFfn { get; init; } = 1408;
    public int SharedExperts { get; init; } = 2;
    public int LeadingDenseBlocks { get; init; } = 1;
    public float YarnFactor { get; init; } = 40f;
    public int YarnOriginalContext { get; init; } = 4096;
    public float MScaleAllDim { get; init; } = 0.707f;

    /// <summary>expert_gating_func 2 (sigmoid scores, DeepSeek-V3) instead of 1 (softmax).</summary>
    public bool SigmoidGating { get; init; }

    /// <summary>blk.N.exp_probs_b.bias in every MoE layer (DeepSeek-V3's e_score_correction_bias).</summary>
    public bool SelectionBias { get; init; }

    /// <summary>expert_group_count / expert_group_used_count; null writes neither (plain top-k, as llama.cpp's converter does).</summary>
    public int? ExpertGroups { get; init; }
    public int? ExpertGroupsUsed { get; init; }

    public bool WeightsNorm { get; init; }
    public float WeightsScale { get; init; } = 1f;

    /// <summary>Multi-token-prediction layers written after the decoder layers (nextn_predict_layers).</summary>
    public int NextNLayers { get; init; }

    /// <summary>
    /// A tiny DeepSeek-V3: <see cref="Tiny"/>'s widths with q-LoRA 256, 16 experts of 256 top-4 in 4 groups
    /// (2 kept), sigmoid scores with the selection bias, renormalised × 2.5, and one MTP layer.
    /// </summary>
    public static DeepseekV2SyntheticSpec TinyV3(int vocab) => Tiny(vocab) with
    {
        Name = "tiny-deepseek3", QLoraRank = 256, Experts = 16, ExpertsPerToken = 4, SigmoidGating = true, SelectionBias = true,
        ExpertGroups = 4, ExpertGroupsUsed = 2, WeightsNorm = true, WeightsScale = 2.5f, NextNLayers = 1,
    };

    /// <summary>
    /// DeepSeek-V3 / R1 at its published widths (config.json of deepseek-ai/DeepSeek-V3): hidden 7168, 61
    /// layers (3 dense of 18432), MLA 128 heads (nope 128 + rope 64, v 128), q_lora 1536, kv_lora 512,
    /// 256 experts of 2048 top-8 in 8 groups (4 kept), 1 shared, sigmoid + bias, renormalised × 2.5,
    /// vocabulary 129,280, YaRN ×40 over 4096 with mscale_all_dim 1. Hundreds of GB: write it sparse.
    /// </summary>
    public static DeepseekV2SyntheticSpec DeepSeekV3(GgmlType weightType) => new()
    {
        Name = "deepseek-v3-shape", Hidden = 7168, Layers = 61, Vocab = 129280, Heads = 128, QLoraRank = 1536, KvLoraRank = 512,
        NopeHeadDim = 128, RopeHeadDim = 64, VHeadDim = 128, DenseIntermediate = 18432, Experts = 256, ExpertsPerToken = 8,
        ExpertFfn = 2048, SharedExperts = 1, LeadingDenseBlocks = 3, ContextLength = 163840, YarnFactor = 40f,
        YarnOriginalContext = 4096, MScaleAllDim = 1f, SigmoidGating = true, SelectionBias = true, ExpertGroups = 8,
        ExpertGroupsUsed = 4, WeightsNorm = true, WeightsScale = 2.5f, WeightType = weightType, EmbeddingType = weightType,
        OutputType = weightType,
    };
    /// <summary>DeepSeek-V2-Lite at full widths (hidden 2048, 16 heads, kv_lora 512, 64 experts of 1408, top-6, 2 shared), `layers` deep.</summary>
    public static DeepseekV2SyntheticSpec Lite(int layers, GgmlType weightType) => new()
    {
        Name = $"synthetic-deepseek-v2-lite-{layers}l-{weightType.Name()}", Layers = layers, WeightType = weightType,
        EmbeddingType = weightType, OutputType = weightType is GgmlType.Q4_K or GgmlType.Q6_K ? GgmlType.Q6_K : weightType,
    };

    /// <summary>
    /// A tiny DeepSeek-V2: hidden 256, 3 layers (1 dense + 2 MoE), 8 heads of 32+32 (RoPE 32), kv_lora 256,
    /// 8 experts of 256, top-2, 1 shared. Every row length is a multiple of 256, so every type fits.
    /// </summary>
    public static DeepseekV2SyntheticSpec Tiny(int vocab) => new()
    {
        Name = "tiny-deepseek2", Hidden = 256, Layers = 3, Vocab = vocab, Heads = 8, KvLoraRank = 256, NopeHeadDim = 32,
        RopeHeadDim = 32, VHeadDim = 32, DenseIntermediate = 1024, Experts = 8, ExpertsPerToken = 2, ExpertFfn = 256,
        SharedExperts = 1, LeadingDenseBlocks = 1, ContextLength = 4096, YarnFactor = 4f, YarnOriginalContext = 1024,
        WeightType = GgmlType.Q8_0, EmbeddingType = GgmlType.Q8_0, OutputType = GgmlType.Q8_0,
    };

    public override string Describe()
    {
        int dense = Math.Min(LeadingDenseBlocks, Layers);
        string q = QLoraRank is int qr ? $", q_lora {qr}" : "";
        string moe = dense < Layers ? $"; {Experts} experts of {ExpertFfn}, top-{ExpertsPerToken}, {SharedExperts} shared" : "";
        string router = dense < Layers && (SigmoidGating || SelectionBias || ExpertGroups is not null)
            ? $"; router {(SigmoidGating ? "sigmoid" : "softmax")}{(SelectionBias ? " + bias" : "")}" +
              (ExpertGroups is int g ? $", {ExpertGroupsUsed} of {g} groups" : "") + (WeightsNorm ? ", renormalised" : "") + $" ×{WeightsScale:0.##}"
            : "";
        string mtp = NextNLayers > 0 ? $"; {NextNLayers} MTP layer(s)" : "";
        return $"hidden {Hidden}, {Layers} layers ({dense} dense of {DenseIntermediate} + {Layers - dense} MoE); " +
               $"MLA {Heads} heads (nope {NopeHeadDim} + rope {RopeHeadDim}, v {VHeadDim}), kv_lora {KvLoraRank}{q}, YaRN ×{YarnFactor:0.##}{moe}{router}{mtp}";
    }

    public override void Validate()
    {
        base.Validate();
        Positive(Heads, nameof(Heads));
        Positive(KvLoraRank, nameof(KvLoraRank));
        Positive(NopeHeadDim, nameof(NopeHeadDim));
        Positive(VHeadDim, nameof(VHeadDim));
        Positive(RopeHeadDim, nameof(RopeHeadDim));
        if (RopeHeadDim % 2 != 0) throw new SyntheticModelException($"{nameof(RopeHeadDim)} is {RopeHeadDim}; RoPE turns pairs, so it must be even");
        if (QLoraRank is int q) Positive(q, nameof(QLoraRank));
        AtLeast(LeadingDenseBlocks, 0, nameof(LeadingDenseBlocks), "layers before the first MoE layer");
        if (LeadingDenseBlocks > 0) Positive(DenseIntermediate, nameof(DenseIntermediate));
        if (LeadingDenseBlocks < Layers)
        {
            Positive(Experts, nameof(Experts));
            Positive(ExpertFfn, nameof(ExpertFfn));
            AtLeast(SharedExperts, 0, nameof(SharedExperts), "shared experts");
            if (ExpertsPerToken < 1 || ExpertsPerToken > Experts)
                throw new SyntheticModelException($"{nameof(ExpertsPerToken)} is {ExpertsPerToken}; it must be between 1 and {nameof(Experts)} = {Experts}");
            if (ExpertGroups is int g)
            {
                Divides(g, Experts, nameof(ExpertGroups), nameof(Experts));
                if (ExpertGroupsUsed is not int used || used < 1 || used > g)
                    throw new SyntheticModelException($"{nameof(ExpertGroupsUsed)} must be between 1 and {nameof(ExpertGroups)} = {g}");
            }
        }
        AtLeast(NextNLayers, 0, nameof(NextNLayers), "multi-token-prediction layers");
    }

    internal override int FirstLayerFfnWidth => LeadingDenseBlocks > 0 ? DenseIntermediate : SharedExperts * ExpertFfn;

    internal override bool FirstLayerIsDense => LeadingDenseBlocks > 0;

    internal override SyntheticModelSpec WithFirstLayerFfnWidth(int width)
    {
        if (LeadingDenseBlocks > 0) return this with { DenseIntermediate = width };
        if (SharedExperts != 1) throw new SyntheticModelException("the demo keeps its lookup in layer 0's MLP: give deepseek2 a leading dense block or exactly one shared expert");
        return this with { ExpertFfn = width };
    }

    internal override void AddMetadata(GgufWriter w)
    {
        const string a = "deepseek2.";
        AddCommonMetadata(w, DenseIntermediate);
        // llama.cpp counts the MTP layers in block_count.
        w.Remove(a + "block_count");
        w.AddUInt32(a + "block_count", (uint)(Layers + NextNLayers));
        if (NextNLayers > 0) w.AddUInt32(a + "nextn_predict_layers", (uint)NextNLayers);
        w.AddUInt32(a + "attention.head_count", (uint)Heads);
        w.AddUInt32(a + "attention.head_count_kv", (uint)Heads);
        w.AddUInt32(a + "attention.key_length", (uint)(NopeHeadDim + RopeHeadDim));
        w.AddUInt32(a + "attention.value_length", (uint)VHeadDim);
        if (QLoraRank is int qr) w.AddUInt32(a + "attention.q_lora_rank", (uint)qr);
        w.AddUInt32(a + "attention.kv_lora_rank", (uint)KvLoraRank);
        w.AddUInt32(a + "leading_dense_block_count", (uint)LeadingDenseBlocks);
        w.AddUInt32(a + "expert_feed_forward_length", (uint)ExpertFfn);
        w.AddUInt32(a + "expert_count", (uint)Experts);
        w.AddUInt32(a + "expert_used_count", (uint)ExpertsPerToken);
        w.AddUInt32(a + "expert_shared_count", (uint)SharedExperts);
        w.AddFloat32(a + "expert_weights_scale", WeightsScale);
        w.AddBool(a + "expert_weights_norm", WeightsNorm);
        w.AddUInt32(a + "expert_gating_func", SigmoidGating ? 2u : 1u);
        if (ExpertGroups is int groups)
        {
            w.AddUInt32(a + "expert_group_count", (uint)groups);
            w.AddUInt32(a + "expert_group_used_count", (uint)ExpertGroupsUsed!.Value);
        }
        w.AddUInt32(a + "rope.dimension_count", (uint)RopeHeadDim);
        w.AddString(a + "rope.scaling.type", "yarn");
        w.AddFloat32(a + "rope.scaling.factor", YarnFactor);
        w.AddUInt32(a + "rope.scaling.original_context_length", (uint)YarnOriginalContext);
        // llama.cpp's converter stores 0.1·mscale_all_dim here.
        w.AddFloat32(a + "rope.scaling.yarn_log_multiplier", 0.1f * MScaleAllDim);
    }

    internal override void AddTensors(SyntheticTensorSink s)
    {
        AddEmbeddingAndHead(s);
        GgmlType t = WeightType;
        int qWidth = Heads * (NopeHeadDim + RopeHeadDim);
        for (int l = 0; l < Layers + NextNLayers; l++)
        {
            string b = $"blk.{l}.";
            s.Vector(b + "attn_norm.weight", SyntheticTensorRole.Norm, l, Hidden);
            if (QLoraRank is int qr)
            {
                s.Matrix(b + "attn_q_a.weight", SyntheticTensorRole.AttentionInput, l, t, Hidden, qr);
                s.Vector(b + "attn_q_a_norm.weight", SyntheticTensorRole.Norm, l, qr);
                s.Matrix(b + "attn_q_b.weight", SyntheticTensorRole.AttentionInput, l, t, qr, qWidth);
            }
            else s.Matrix(b + "attn_q.weight", SyntheticTensorRole.AttentionInput, l, t, Hidden, qWidth);
            s.Matrix(b + "attn_kv_a_mqa.weight", SyntheticTensorRole.AttentionInput, l, t, Hidden, KvLoraRank + RopeHeadDim);
            s.Vector(b + "attn_kv_a_norm.weight", SyntheticTensorRole.Norm, l, KvLoraRank);
            s.Matrix(b + "attn_kv_b.weight", SyntheticTensorRole.AttentionInput, l, t, KvLoraRank, Heads * (NopeHeadDim + VHeadDim));
            s.Matrix(b + "attn_output.weight", SyntheticTensorRole.AttentionOutput, l, t, Heads * VHeadDim, Hidden);
            s.Vector(b + "ffn_norm.weight", SyntheticTensorRole.Norm, l, Hidden);
            if (l < LeadingDenseBlocks)
            {
                s.Matrix(b + "ffn_gate.weight", SyntheticTensorRole.FfnGate, l, t, Hidden, DenseIntermediate);
                s.Matrix(b + "ffn_up.weight", SyntheticTensorRole.FfnUp, l, t, Hidden, DenseIntermediate);
                s.Matrix(b + "ffn_down.weight", SyntheticTensorRole.FfnDown, l, t, DenseIntermediate, Hidden);
                continue;
            }
            s.Matrix(b + "ffn_gate_inp.weight", SyntheticTensorRole.Router, l, GgmlType.F32, Hidden, Experts);
            if (SelectionBias) s.Vector(b + "exp_probs_b.bias", SyntheticTensorRole.RouterBias, l, Experts);
            s.Matrix(b + "ffn_gate_exps.weight", SyntheticTensorRole.ExpertGate, l, t, Hidden, ExpertFfn, Experts);
            s.Matrix(b + "ffn_up_exps.weight", SyntheticTensorRole.ExpertUp, l, t, Hidden, ExpertFfn, Experts);
            s.Matrix(b + "ffn_down_exps.weight", SyntheticTensorRole.ExpertDown, l, t, ExpertFfn, Hidden, Experts);
            if (SharedExperts > 0)
            {
                int shared = SharedExperts * ExpertFfn;
                s.Matrix(b + "ffn_gate_shexp.weight", SyntheticTensorRole.SharedGate, l, t, Hidden, shared);
                s.Matrix(b + "ffn_up_shexp.weight", SyntheticTensorRole.SharedUp, l, t, Hidden, shared);
                s.Matrix(b + "ffn_down_shexp.weight", SyntheticTensorRole.SharedDown, l, t, shared, Hidden);
            }
            if (l >= Layers) AddNextN(s, l);
        }
    }

    /// <summary>What llama.cpp's converter adds to a multi-token-prediction layer besides an ordinary layer's tensors.</summary>
    private void AddNextN(SyntheticTensorSink s, int l)
    {
        string b = $"blk.{l}.nextn.";
        s.Matrix(b + "eh_proj.weight", SyntheticTensorRole.NextN, l, WeightType, 2L * Hidden, Hidden);
        s.Vector(b + "enorm.weight", SyntheticTensorRole.Norm, l, Hidden);
        s.Vector(b + "hnorm.weight", SyntheticTensorRole.Norm, l, Hidden);
        s.Vector(b + "shared_head_norm.weight", SyntheticTensorRole.Norm, l, Hidden);
    }
}
