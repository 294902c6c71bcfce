namespace NativeInfer.Config.Builders;

/// <summary>
/// config.json of <c>DeepseekV2ForCausalLM</c> (model_type deepseek_v2), key by key as DeepSeek's
/// modeling_deepseek.py reads them: MLA dims (kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim,
/// v_head_dim required; q_lora_rank must be written, null = no q-LoRA), experts (n_routed_experts null =
/// a dense model; num_experts_per_tok, moe_intermediate_size, n_shared_experts × moe_intermediate_size
/// as one fused shared block, first_k_dense_replace, moe_layer_freq), routing (topk_method greedy or
/// group_limited_greedy with n_group / topk_group, norm_topk_prob, routed_scaling_factor, scoring_func)
/// and rope_scaling (yarn with mscale / mscale_all_dim).
/// <para>
/// RoPE: modeling_deepseek.py de-interleaves q_pe / k_pe (<c>view(d/2, 2).transpose</c>) before rotating
/// halves, so the weights as stored rotate <b>adjacent pairs</b> — the same layout llama.cpp's converter
/// copies unpermuted into GGUF deepseek2. This builder therefore says <see cref="RopeStyle.AdjacentPairs"/>
/// (Llama-family checkpoints, permuted for rotate_half when converted to HF, are NEOX).
/// </para>
/// </summary>
public sealed class DeepseekV2HfBuilder : IModelConfigBuilder
{
    public string Name => "hf:deepseek_v2";
    public int Priority => ModelConfigBuilders.BuiltInPriority;

    public bool CanBuild(ModelSource source) => source.Format == ModelFormat.HuggingFace && source.Architecture == "DeepseekV2ForCausalLM";

    public ModelConfig Build(ModelSource source) => Read(new HfKeys(source), source.Architecture, HfClassDefaults.DeepseekV2, v3: false);

    /// <summary>
    /// The keys DeepseekV2Config and DeepseekV3Config share; <paramref name="v3"/> selects V3's routing
    /// (noaux_tc with e_score_correction_bias, the scaling factor applied after renormalising) and its
    /// multi-token-prediction layers.
    /// </summary>
    internal static ModelConfig Read(HfKeys k, string architecture, HfClassDefaults d, bool v3)
    {
        int heads = k.Int("num_attention_heads");
        int rope = k.Int("qk_rope_head_dim");
        if (!k.IsWritten("q_lora_rank")) throw k.Missing("q_lora_rank", "an integer, or null for a model without q-LoRA");

        return new ModelConfig
        {
            Architecture = architecture,
            HiddenSize = k.Int("hidden_size"),
            NumLayers = k.Int("num_hidden_layers"),
            VocabSize = k.Int("vocab_size"),
            ContextLength = k.IntOr("max_position_embeddings", d.MaxPositions, min: 1),
            NormEps = HfDecoder.Eps(k, d.RmsNormEps),
            TiedEmbeddings = k.BoolOr("tie_word_embeddings", false),
            BosTokenId = k.OptTokenId("bos_token_id") ?? d.Bos,
            EosTokenId = k.OptTokenId("eos_token_id") ?? d.Eos,
            Attention = new AttentionConfig
            {
                Kind = AttentionKind.MultiHeadLatent,
                NumHeads = heads,
                NumKvHeads = heads,
                QLoraRank = k.OptInt("q_lora_rank", min: 1),
                KvLoraRank = k.Int("kv_lora_rank"),
                QkNopeHeadDim = k.Int("qk_nope_head_dim"),
                QkRopeHeadDim = rope,
                VHeadDim = k.Int("v_head_dim"),
            },
            Rope = new RopeConfig
            {
                Base = HfDecoder.RopeTheta(k, d.RopeTheta),
                Dimensions = rope,
                Style = RopeStyle.AdjacentPairs,
                Scaling = HfDecoder.Scaling(k),
            },
            IntermediateSize = k.Int("intermediate_size"),
            Moe = Experts(k, v3),
            NextNPredictLayers = v3 ? k.IntOr("num_nextn_predict_layers", 0) : 0,
        }.Validate();
    }

    private static MoeConfig? Experts(HfKeys k, bool v3)
    {
        if (k.OptInt("n_routed_experts", min: 1) is not int experts) return null;
        int width = k.Int("moe_intermediate_size");
        int shared = k.IntOr("n_shared_experts", 0);
        string method = k.OptString("topk_method") ?? (v3 ? "noaux_tc" : "greedy");
        RoutingMethod routing = (method, v3) switch
        {
            // "gready" is the default spelled in DeepSeek's own configuration_deepseek.py.
            ("greedy" or "gready", _) => RoutingMethod.Greedy,
            ("group_limited_greedy", false) => RoutingMethod.GroupLimitedGreedy,
            ("noaux_tc", true) => RoutingMethod.NoAuxTopKGroups,
            _ => throw k.Invalid("topk_method", $"is '{method}', expected {(v3 ? "noaux_tc or greedy" : "greedy or group_limited_greedy")}"),
        };
        bool grouped = routing != RoutingMethod.Greedy;
        string scoring = k.OptString("scoring_func") ?? (v3 ? "sigmoid" : "softmax");
        double scale = k.RealOr("routed_scaling_factor", 1.0);
        if (scale <= 0) throw k.Invalid("routed_scaling_factor", $"is {scale}, expected a positive number");
        int topK = k.Int("num_experts_per_tok");
        // Both modeling files renormalise only when k > 1; V2's applies the scaling factor only to weights
        // it did not renormalise, V3's to all of them.
        bool normalize = k.BoolOr("norm_topk_prob", false) && topK > 1;
        return new MoeConfig
        {
            NumExperts = experts,
            ExpertsPerToken = topK,
            ExpertIntermediateSize = width,
            NumSharedExperts = shared,
            SharedIntermediateSize = shared * width,
            SharedGate = SharedExpertGate.None,
            LeadingDenseBlocks = k.IntOr("first_k_dense_replace", 0),
            LayerFrequency = k.IntOr("moe_layer_freq", 1, min: 1),
            Routing = routing,
            NumGroups = grouped ? k.Int("n_group") : 1,
            TopKGroups = grouped ? k.Int("topk_group") : 1,
            Scoring = scoring switch
            {
                "softmax" => ScoringFunction.Softmax,
                "sigmoid" => ScoringFunction.Sigmoid,
                _ => throw k.Invalid("scoring_func", $"is '{scoring}', expected softmax or sigmoid"),
            },
            SelectionBias = routing == RoutingMethod.NoAuxTopKGroups,
            NormalizeTopKProbabilities = normalize,
            RoutedScalingFactor = normalize && !v3 ? 1f : (float)scale,
        };
    }
}
