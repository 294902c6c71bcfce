namespace NativeInfer.Config.Builders;

/// <summary>
/// The generic <c>{arch}.*</c> keys every llama.cpp decoder writes, read the way llama.cpp reads them
/// (llama_model::load_hparams), with its defaults: head_count_kv = head_count; key_length =
/// embedding_length / head_count; value_length = key_length; rope.dimension_count = key_length;
/// rope.freq_base = 10000. Required: embedding_length, block_count, attention.head_count,
/// feed_forward_length, context_length, attention.layer_norm_rms_epsilon.
/// </summary>
internal static class GgufDecoder
{
    /// <summary>A dense multi-head-attention decoder (the default builder's model; llama and qwen2 start here).</summary>
    public static ModelConfig Read(GgufKeys k, RopeStyle style, bool qkvBias, bool qkNorm = false)
    {
        int hidden = k.Int("embedding_length");
        int heads = k.Int("attention.head_count");
        int headDim = k.OptInt("attention.key_length", min: 1) ?? DivideExactly(k, hidden, heads);
        var attention = new AttentionConfig
        {
            Kind = AttentionKind.MultiHead,
            NumHeads = heads,
            NumKvHeads = k.IntOr("attention.head_count_kv", heads, min: 1),
            HeadDim = headDim,
            ValueHeadDim = k.IntOr("attention.value_length", headDim, min: 1),
            QkvBias = qkvBias,
            QkNorm = qkNorm,
        };
        return new ModelConfig
        {
            Architecture = k.Arch,
            HiddenSize = hidden,
            NumLayers = k.Int("block_count"),
            VocabSize = VocabSize(k),
            ContextLength = k.Int("context_length"),
            NormEps = Eps(k),
            TiedEmbeddings = Tied(k.Source),
            BosTokenId = k.OptIntKey("tokenizer.ggml.bos_token_id"),
            EosTokenId = k.OptIntKey("tokenizer.ggml.eos_token_id"),
            Attention = attention,
            Rope = new RopeConfig
            {
                Base = RopeBase(k),
                Dimensions = k.IntOr("rope.dimension_count", headDim, min: 1),
                Style = style,
                // llama.cpp (since PR 17945) reads yarn_log_multiplier as mscale_all_dim and assumes mscale = 1.
                Scaling = Scaling(k, yarnLogMultiplierScale: 1.0, mscaleEqualsAllDim: false),
            },
            IntermediateSize = k.Int("feed_forward_length"),
        };
    }

    /// <summary>hidden / heads, the head width llama.cpp assumes when attention.key_length is absent.</summary>
    public static int DivideExactly(GgufKeys k, int hidden, int heads)
    {
        if (hidden % heads != 0)
            throw k.Invalid(k.Key("attention.key_length"),
                $"is absent and {k.Key("embedding_length")} = {hidden} is not a multiple of {k.Key("attention.head_count")} = {heads}");
        return hidden / heads;
    }

    /// <summary>{arch}.vocab_size, else the length of tokenizer.ggml.tokens (llama.cpp's order).</summary>
    public static int VocabSize(GgufKeys k)
    {
        int? declared = k.OptInt("vocab_size", min: 1);
        long? tokens = k.ArrayLength("tokenizer.ggml.tokens");
        if (declared is int v)
        {
            // Fewer tokens than embedding rows is normal (padding); more would index past the table.
            if (tokens > v)
                throw k.Invalid(k.Key("vocab_size"), $"is {v} but tokenizer.ggml.tokens holds {tokens} tokens");
            return v;
        }
        if (tokens is long n)
            return n is > 0 and <= int.MaxValue ? (int)n : throw k.Invalid("tokenizer.ggml.tokens", $"holds {n} tokens");
        throw k.Missing(k.Key("vocab_size"), "an integer, or a tokenizer.ggml.tokens array to count");
    }

    public static float Eps(GgufKeys k)
    {
        double eps = k.Real("attention.layer_norm_rms_epsilon");
        if (eps <= 0) throw k.Invalid(k.Key("attention.layer_norm_rms_epsilon"), $"is {eps}, expected a positive number");
        return (float)eps;
    }

    public static float RopeBase(GgufKeys k)
    {
        double b = k.OptReal("rope.freq_base") ?? 10000.0;
        if (b <= 0) throw k.Invalid(k.Key("rope.freq_base"), $"is {b}, expected a positive number");
        return (float)b;
    }

    /// <summary>
    /// Tied embeddings when the file has token_embd but no output tensor (llama.cpp then reuses
    /// token_embd for the head). Unknown (false) when the source does not list tensors or lists none.
    /// </summary>
    public static bool Tied(ModelSource source) =>
        source.HasTensor("token_embd.weight") == true && source.HasTensor("output.weight") == false;

    /// <summary>
    /// rope.scaling.type (none | linear | yarn) with factor, original_context_length, yarn_beta_fast /
    /// yarn_beta_slow (defaults 32 / 1) and yarn_log_multiplier; the legacy rope.scale_linear when no type
    /// is given. <paramref name="yarnLogMultiplierScale"/> turns the stored multiplier into mscale_all_dim
    /// (10 for deepseek2, whose converter stores 0.1·mscale_all_dim; 1 elsewhere).
    /// </summary>
    public static RopeScaling? Scaling(GgufKeys k, double yarnLogMultiplierScale, bool mscaleEqualsAllDim)
    {
        string? type = k.OptString("rope.scaling.type");
        if (type is null)
        {
            double? legacy = k.OptReal("rope.scale_linear");
            return legacy is double f && f != 1.0 ? new RopeScaling { Type = RopeScalingType.Linear, Factor = Factor(k, f, "rope.scale_linear") } : null;
        }
        switch (type)
        {
            case "none":
                return null;
            case "linear":
                return new RopeScaling { Type = RopeScalingType.Linear, Factor = Factor(k, k.Real("rope.scaling.factor"), "rope.scaling.factor") };
            case "yarn":
                float allDim = (float)((k.OptReal("rope.scaling.yarn_log_multiplier") ?? 0.0) * yarnLogMultiplierScale);
                return new RopeScaling
                {
                    Type = RopeScalingType.Yarn,
                    Factor = Factor(k, k.Real("rope.scaling.factor"), "rope.scaling.factor"),
                    OriginalContextLength = k.Int("rope.scaling.original_context_length"),
                    BetaFast = (float)(k.OptReal("rope.scaling.yarn_beta_fast") ?? 32.0),
                    BetaSlow = (float)(k.OptReal("rope.scaling.yarn_beta_slow") ?? 1.0),
                    MScaleAllDim = allDim,
                    MScale = mscaleEqualsAllDim ? allDim : 1f,
                };
            default:
                throw k.Invalid(k.Key("rope.scaling.type"), $"is '{type}', expected none, linear or yarn");
        }
    }

    private static float Factor(GgufKeys k, double factor, string suffix) =>
        factor > 0 ? (float)factor : throw k.Invalid(k.Key(suffix), $"is {factor}, expected a positive number");

    /// <summary>Experts of a llama-architecture MoE (Mixtral): softmax top-k, renormalised (llama.cpp's llama graph passes norm_w = true).</summary>
    public static MoeConfig? MixtralExperts(GgufKeys k, int intermediate)
    {
        int experts = k.IntOr("expert_count", 0);
        if (experts == 0) return null;
        return new MoeConfig
        {
            NumExperts = experts,
            ExpertsPerToken = k.Int("expert_used_count"),
            // llama.cpp's llama loader sizes the stacked experts {n_embd, n_ff, n_expert}: feed_forward_length.
            ExpertIntermediateSize = intermediate,
            Routing = RoutingMethod.Greedy,
            Scoring = ScoringFunction.Softmax,
            NormalizeTopKProbabilities = true,
        };
    }
}
