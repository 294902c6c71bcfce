namespace NativeInfer.Config.Builders;

/// <summary>
/// The standard config.json keys of Llama-style decoders, with the class defaults transformers applies
/// when a key is not written (<see cref="HfClassDefaults"/>). Required: hidden_size, num_hidden_layers,
/// num_attention_heads, vocab_size, intermediate_size (structural keys every saved config writes).
/// Defaults: num_key_value_heads = num_attention_heads; head_dim = hidden_size / num_attention_heads;
/// tie_word_embeddings = false. Hugging Face checkpoints rotate halves, so RoPE is NEOX style.
/// </summary>
internal static class HfDecoder
{
    public static ModelConfig Read(HfKeys k, string architecture, HfClassDefaults defaults, bool qkvBias, bool qkNorm = false)
    {
        int hidden = k.Int("hidden_size");
        int heads = k.Int("num_attention_heads");
        int headDim = k.OptInt("head_dim", min: 1) ?? DivideExactly(k, hidden, heads);
        return new ModelConfig
        {
            Architecture = architecture,
            HiddenSize = hidden,
            NumLayers = k.Int("num_hidden_layers"),
            VocabSize = k.Int("vocab_size"),
            ContextLength = k.IntOr("max_position_embeddings", defaults.MaxPositions, min: 1),
            NormEps = Eps(k, defaults.RmsNormEps),
            TiedEmbeddings = k.BoolOr("tie_word_embeddings", false),
            BosTokenId = k.OptTokenId("bos_token_id") ?? defaults.Bos,
            EosTokenId = k.OptTokenId("eos_token_id") ?? defaults.Eos,
            Attention = new AttentionConfig
            {
                Kind = AttentionKind.MultiHead,
                NumHeads = heads,
                NumKvHeads = k.IntOr("num_key_value_heads", heads, min: 1),
                HeadDim = headDim,
                ValueHeadDim = headDim,
                QkvBias = qkvBias,
                QkNorm = qkNorm,
            },
            Rope = new RopeConfig
            {
                Base = RopeTheta(k, defaults.RopeTheta),
                Dimensions = headDim,
                Style = RopeStyle.Neox,
                Scaling = Scaling(k),
            },
            IntermediateSize = k.Int("intermediate_size"),
        };
    }

    public static int DivideExactly(HfKeys k, int hidden, int heads) =>
        hidden % heads == 0 ? hidden / heads
            : throw k.Invalid("head_dim", $"is absent and hidden_size = {hidden} is not a multiple of num_attention_heads = {heads}");

    public static float Eps(HfKeys k, double fallback)
    {
        double eps = k.RealOr("rms_norm_eps", fallback);
        return eps > 0 ? (float)eps : throw k.Invalid("rms_norm_eps", $"is {eps}, expected a positive number");
    }

    /// <summary>rope_theta, or rope_parameters.rope_theta (transformers 5 nests it).</summary>
    public static float RopeTheta(HfKeys k, double fallback)
    {
        double theta = k.OptReal("rope_theta") ?? k.OptObject("rope_parameters")?.OptReal("rope_theta") ?? fallback;
        return theta > 0 ? (float)theta : throw k.Invalid("rope_theta", $"is {theta}, expected a positive number");
    }

    /// <summary>
    /// rope_scaling (or transformers 5's rope_parameters) with "type" or "rope_type": absent or default = none;
    /// linear (factor); yarn (factor, original_max_position_embeddings, beta_fast 32, beta_slow 1, mscale 1,
    /// mscale_all_dim 0 — the defaults of DeepseekV2YarnRotaryEmbedding). Other types are not supported.
    /// </summary>
    public static RopeScaling? Scaling(HfKeys k)
    {
        HfKeys? s = k.OptObject("rope_scaling") ?? k.OptObject("rope_parameters");
        if (s is null) return null;
        string typeKey = s.OptString("type") is not null ? "type" : "rope_type";
        string? type = s.OptString(typeKey);
        switch (type)
        {
            case null or "default":
                return null;
            case "linear":
                return new RopeScaling { Type = RopeScalingType.Linear, Factor = Factor(s) };
            case "yarn":
                return new RopeScaling
                {
                    Type = RopeScalingType.Yarn,
                    Factor = Factor(s),
                    OriginalContextLength = s.Int("original_max_position_embeddings"),
                    BetaFast = (float)s.RealOr("beta_fast", 32),
                    BetaSlow = (float)s.RealOr("beta_slow", 1),
                    MScale = (float)s.RealOr("mscale", 1),
                    MScaleAllDim = (float)s.RealOr("mscale_all_dim", 0),
                };
            default:
                throw s.Invalid(typeKey, $"is '{type}'; supported RoPE scaling: linear, yarn");
        }
    }

    private static float Factor(HfKeys s)
    {
        double f = s.Real("factor");
        return f > 0 ? (float)f : throw s.Invalid("factor", $"is {f}, expected a positive number");
    }
}
