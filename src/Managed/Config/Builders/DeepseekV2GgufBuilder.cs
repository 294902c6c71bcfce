namespace NativeInfer.Config.Builders;

/// <summary>
/// GGUF <c>deepseek2</c>: DeepSeek-V2 / V2-Lite, and DeepSeek-V3 / R1 / Kimi-K2 / Moonlight, as llama.cpp's
/// converter writes them.
/// <list type="bullet">
/// <item>MLA: key_length = d_n + d_r, value_length = d_v, rope.dimension_count = d_r,
/// attention.kv_lora_rank = r, attention.q_lora_rank absent (or 0) = no q-LoRA. Files with split
/// attn_k_b/attn_v_b carry the head dims in key_length_mla / value_length_mla instead (key_length is
/// then r + d_r and value_length r, the absorbed MQA view); both layouts are read.</item>
/// <item>head_count_kv is not read: MLA has one latent for all heads (newer converters write 1).</item>
/// <item>MoE: expert_count, expert_used_count, expert_feed_forward_length, leading_dense_block_count;
/// expert_shared_count shared experts fused into one block of count × expert width (as GGUF stores them);
/// expert_weights_scale = routed_scaling_factor (absent: 1); expert_weights_norm absent = false;
/// expert_gating_func absent or 0 = softmax, 1 = softmax, 2 = sigmoid; the selection bias (V3's
/// e_score_correction_bias) when the first MoE layer has blk.N.exp_probs_b.bias (a file without tensors:
/// when gating is sigmoid). expert_group_count / expert_group_used_count when present and > 1 = grouped
/// routing — V3's noaux_tc (a group scores the sum of its two best biased scores) with the bias, V2's
/// group_limited_greedy (its best score) without, as DeepSeek's own MoEGate does; absent or 1 = plain top-k,
/// which is what llama.cpp does. The weights are renormalised when expert_weights_norm and always
/// multiplied by expert_weights_scale (llama.cpp's build_moe_ffn).</item>
/// <item>nextn_predict_layers: that many multi-token-prediction layers follow the decoder layers inside
/// block_count; they are not decoder layers (<see cref="ModelConfig.NextNPredictLayers"/>).</item>
/// <item>YaRN: rope.scaling.yarn_log_multiplier = 0.1·mscale_all_dim (the converter pre-scales it; llama.cpp
/// divides by 0.1 on load), so MScaleAllDim = 10 × it. GGUF has no mscale: it is taken equal to
/// mscale_all_dim, as DeepSeek-V2 and V2-Lite ship equal values (0.707) and llama.cpp assumes.</item>
/// <item>RoPE rotates adjacent pairs (ggml's normal mode).</item>
/// </list>
/// </summary>
public sealed class DeepseekV2GgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:deepseek2";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.Gguf && source.Architecture == "deepseek2";

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        int hidden = k.Int("embedding_length");
        int heads = k.Int("attention.head_count");
        int rope = k.Int("rope.dimension_count");
        int kvLora = k.Int("attention.kv_lora_rank");
        int? qLora = k.OptInt("attention.q_lora_rank") is int q && q > 0 ? q : null;
        (int qkHead, int vHead) = HeadDims(k, kvLora, rope);
        int nope = qkHead - rope;
        if (nope <= 0)
            throw k.Invalid(k.Key(k.Has("attention.key_length_mla") ? "attention.key_length_mla" : "attention.key_length"),
                $"is {qkHead}, which leaves no non-RoPE part next to rope.dimension_count = {rope}");

        int blocks = k.Int("block_count");
        int nextN = k.IntOr("nextn_predict_layers", 0);
        if (nextN >= blocks)
            throw k.Invalid(k.Key("nextn_predict_layers"), $"is {nextN}, which leaves no decoder layer of {k.Key("block_count")} = {blocks}");
        int leadingDense = k.Int("leading_dense_block_count", min: 0);
        int expertWidth = k.Int("expert_feed_forward_length");
        int shared = k.Int("expert_shared_count", min: 0);
        int? groups = k.OptInt("expert_group_count", min: 1);
        int? groupsUsed = k.OptInt("expert_group_used_count", min: 1);
        if (groups is not null && groupsUsed is null) throw k.Missing(k.Key("expert_group_used_count"), $"an integer, since {k.Key("expert_group_count")} is present");
        bool grouped = groups > 1;
        double scale = k.OptReal("expert_weights_scale") ?? 1.0;
        if (scale <= 0) throw k.Invalid(k.Key("expert_weights_scale"), $"is {scale}, expected a positive number");
        ScoringFunction scoring = GatingFunction(k);
        bool bias = source.HasTensor($"blk.{leadingDense}.exp_probs_b.bias") ?? scoring == ScoringFunction.Sigmoid;

        var moe = new MoeConfig
        {
            NumExperts = k.Int("expert_count"),
            ExpertsPerToken = k.Int("expert_used_count"),
            ExpertIntermediateSize = expertWidth,
            NumSharedExperts = shared,
            SharedIntermediateSize = shared * expertWidth,
            SharedGate = SharedExpertGate.None,
            LeadingDenseBlocks = leadingDense,
            LayerFrequency = 1,
            // DeepSeek's own MoEGate scores a group by its two best biased scores when it has the bias, else by its best.
            Routing = !grouped ? RoutingMethod.Greedy : bias ? RoutingMethod.NoAuxTopKGroups : RoutingMethod.GroupLimitedGreedy,
            NumGroups = grouped ? groups!.Value : 1,
            TopKGroups = grouped ? groupsUsed!.Value : 1,
            Scoring = scoring,
            SelectionBias = bias,
            NormalizeTopKProbabilities = k.OptBool("expert_weights_norm") ?? false,
            RoutedScalingFactor = (float)scale,
        };

        var config = new ModelConfig
        {
            Architecture = k.Arch,
            HiddenSize = hidden,
            NumLayers = blocks - nextN,
            NextNPredictLayers = nextN,
            VocabSize = GgufDecoder.VocabSize(k),
            ContextLength = k.Int("context_length"),
            NormEps = GgufDecoder.Eps(k),
            TiedEmbeddings = GgufDecoder.Tied(source),
            BosTokenId = k.OptIntKey("tokenizer.ggml.bos_token_id"),
            EosTokenId = k.OptIntKey("tokenizer.ggml.eos_token_id"),
            Attention = new AttentionConfig
            {
                Kind = AttentionKind.MultiHeadLatent,
                NumHeads = heads,
                NumKvHeads = heads,
                QLoraRank = qLora,
                KvLoraRank = kvLora,
                QkNopeHeadDim = nope,
                QkRopeHeadDim = rope,
                VHeadDim = vHead,
            },
            Rope = new RopeConfig
            {
                Base = GgufDecoder.RopeBase(k),
                Dimensions = rope,
                Style = RopeStyle.AdjacentPairs,
                Scaling = GgufDecoder.Scaling(k, yarnLogMultiplierScale: 10.0, mscaleEqualsAllDim: true),
            },
            // Only the leading dense layers use it; a model without them may omit the key.
            IntermediateSize = leadingDense > 0 ? k.Int("feed_forward_length") : k.IntOr("feed_forward_length", 0),
            Moe = moe,
        }.Validate();
        // head_count_kv: MLA has one latent for all heads, whatever the converter wrote;
        // rope.scaling.finetuned: recorded by converters, used by nothing in the math.
        k.RefuseUnread(Name, "attention.head_count_kv", "rope.scaling.finetuned");
        return config;
    }

    /// <summary>(d_n + d_r, d_v) from key_length_mla / value_length_mla when present, else key_length / value_length.</summary>
    private static (int QkHead, int VHead) HeadDims(GgufKeys k, int kvLora, int rope)
    {
        if (k.OptInt("attention.key_length_mla", min: 1) is not int kMla)
            return (k.Int("attention.key_length"), k.Int("attention.value_length"));
        int vMla = k.Int("attention.value_length_mla");
        // In this layout key/value_length describe the absorbed MQA view: [c | k_pe] and c.
        if (k.OptInt("attention.key_length") is int kl && kl != kvLora + rope)
            throw k.Invalid(k.Key("attention.key_length"), $"is {kl}, expected kv_lora_rank + rope.dimension_count = {kvLora + rope} when key_length_mla is present");
        if (k.OptInt("attention.value_length") is int vl && vl != kvLora)
            throw k.Invalid(k.Key("attention.value_length"), $"is {vl}, expected kv_lora_rank = {kvLora} when value_length_mla is present");
        return (kMla, vMla);
    }

    /// <summary>llama.cpp's llama_expert_gating_func_type: 0 (none, old files) and 1 = softmax, 2 = sigmoid.</summary>
    private static ScoringFunction GatingFunction(GgufKeys k) => k.OptInt("expert_gating_func") switch
    {
        null or 0 or 1 => ScoringFunction.Softmax,
        2 => ScoringFunction.Sigmoid,
        int other => throw k.Invalid(k.Key("expert_gating_func"), $"is {other}, expected 1 (softmax) or 2 (sigmoid)"),
    };
}
