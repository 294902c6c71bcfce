namespace NativeInfer.Config;

/// <summary>How RoPE pairs dimensions.</summary>
public enum RopeStyle
{
    /// <summary>Rotate adjacent pairs (2i, 2i+1): ggml's "normal" mode, used by GGUF llama and deepseek2.</summary>
    AdjacentPairs,

    /// <summary>Rotate halves (i, i + d/2): ggml's NEOX mode, Hugging Face's layout; Qwen2 in GGUF.</summary>
    Neox,
}

public enum RopeScalingType
{
    None,
    Linear,
    Yarn,
}

/// <summary>RoPE context-extension parameters (YaRN as DeepSeek-V2 uses it).</summary>
public sealed record RopeScaling
{
    public required RopeScalingType Type { get; init; }
    public float Factor { get; init; } = 1f;
    public int OriginalContextLength { get; init; }
    public float BetaFast { get; init; } = 32f;
    public float BetaSlow { get; init; } = 1f;

    /// <summary>YaRN mscale applied to cos/sin (relative to <see cref="MScaleAllDim"/>).</summary>
    public float MScale { get; init; } = 1f;

    /// <summary>YaRN mscale_all_dim; GGUF stores 0.1·mscale_all_dim as rope.scaling.yarn_log_multiplier.</summary>
    public float MScaleAllDim { get; init; }
}

public sealed record RopeConfig
{
    public required float Base { get; init; }

    /// <summary>Rotated dimensions per head (d_r for MLA; usually the head dim for MHA).</summary>
    public required int Dimensions { get; init; }

    public required RopeStyle Style { get; init; }
    public RopeScaling? Scaling { get; init; }

    /// <summary>Sane bounds for the floats RoPE reads: outside them a file is broken, not a model (real bases are 10⁴…10⁷, factors ≤ 64).</summary>
    public const float MinBase = 1.0001f, MaxBase = 1e12f, MaxFactor = 65536f, MaxBeta = 65536f, MaxMScale = 1000f;

    internal void Validate(AttentionConfig attention, Action<bool, string> require)
    {
        require(Base is >= MinBase and <= MaxBase, $"RoPE base must be in [{MinBase}, {MaxBase:0e0}] (got {Base})");
        require(Dimensions > 0 && Dimensions % 2 == 0, $"RoPE dimensions must be positive and even (got {Dimensions})");
        int limit = attention.Kind == AttentionKind.MultiHeadLatent ? attention.QkRopeHeadDim : attention.HeadDim;
        require(Dimensions <= limit, $"RoPE dimensions {Dimensions} exceed the rotated head width {limit}");
        if (Scaling is { Type: RopeScalingType.Linear } l)
            require(l.Factor is > 0 and <= MaxFactor, $"linear RoPE scaling factor must be in (0, {MaxFactor}] (got {l.Factor})");
        if (Scaling is { Type: RopeScalingType.Yarn } y)
        {
            require(y.Factor is >= 1 and <= MaxFactor, $"YaRN factor must be in [1, {MaxFactor}] (got {y.Factor})");
            require(y.OriginalContextLength > 0, $"YaRN original context length must be > 0 (got {y.OriginalContextLength})");
            require(y.BetaFast is > 0 and <= MaxBeta && y.BetaSlow is > 0 and <= MaxBeta,
                    $"YaRN beta_fast and beta_slow must be in (0, {MaxBeta}] (got {y.BetaFast}, {y.BetaSlow})");
            require(y.MScale is >= 0 and <= MaxMScale && y.MScaleAllDim is >= 0 and <= MaxMScale,
                    $"YaRN mscale and mscale_all_dim must be in [0, {MaxMScale}] (got {y.MScale}, {y.MScaleAllDim})");
        }
    }
}
