using NativeInfer.Config;

namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// Layer 0's multi-head latent attention, constructed so that every head attends to the previous token
/// and the layer writes that token's direction into the stream (σ·r_prev at <see cref="DemoLayout.PreviousStart"/>).
/// <list type="bullet">
/// <item><b>Where to look</b> comes from RoPE alone: q_nope = 0, and q_pe, k_pe are constants read from the β
/// component, pair i of q_pe = √A·(1, 0) and of k_pe = √A·(cos ω_i, sin ω_i). RoPE turns them by mω_i and
/// nω_i, so the score of key position n from query position m is scale·A·Σ_i cos((m − n − 1)ω_i): largest at
/// m − n = 1. A is chosen so that the next-best offsets (0 and 2) score <see cref="OffsetMargin"/> less.</item>
/// <item><b>What to copy</b>: the latent c = kv_a_norm(W_kva x) is the current token's direction (W_kva copies
/// those dimensions; the norm makes c = √r·r_t); W_UV splits c across the heads unchanged and o_proj writes it
/// into the previous-token dimensions, scaled to σ.</item>
/// </list>
/// ω_i are the angular frequencies the runtime's YaRN rotary embedding uses (YaRN's ramp between interpolated
/// and original frequencies); a small error in them only lowers the peak slightly.
/// </summary>
internal sealed class PreviousTokenAttention
{
    /// <summary>Softmax logit gap between the previous token and the next-best positions (e^-16 ≈ 1e-7 leaks).</summary>
    private const float OffsetMargin = 16f;

    private readonly DemoLayout _layout;
    private readonly DeepseekV2SyntheticSpec _spec;
    private readonly double[] _omega;
    private readonly float _pairWeight; // √A before the input scale

    public PreviousTokenAttention(DeepseekV2SyntheticSpec spec, DemoLayout layout)
    {
        _spec = spec;
        _layout = layout;
        int n = layout.CurrentDims;
        if (spec.QLoraRank is not null || spec.KvLoraRank < n || spec.Heads * spec.VHeadDim < n)
            throw new SyntheticModelException($"the previous-token attention needs no q_lora and kv_lora_rank and heads × v_head_dim of at least {n}");
        _omega = Frequencies(spec);
        float mscale = Yarn.MScale(spec.YarnFactor, spec.MScaleAllDim);
        double scale = mscale * mscale / Math.Sqrt(spec.NopeHeadDim + spec.RopeHeadDim);
        double gapPerUnit = _omega.Sum(w => 1 - Math.Cos(w)); // score(offset 1) − score(offset 0 or 2) for A = 1
        _pairWeight = (float)Math.Sqrt(OffsetMargin / (scale * gapPerUnit));
    }

    /// <summary>Values for layer 0's attention tensors (null for any other tensor).</summary>
    public float[]? Values(SyntheticTensor t) => t.Name switch
    {
        "blk.0.attn_q.weight" => Query(t),
        "blk.0.attn_kv_a_mqa.weight" => LatentAndKey(t),
        "blk.0.attn_kv_b.weight" => Heads(t),
        "blk.0.attn_output.weight" => Output(t),
        _ => null,
    };

    /// <summary>What the β component of an embedding is after attention's input norm.</summary>
    private float NormalizedBias => DemoLayout.Bias / _layout.EmbeddingRms;

    /// <summary>[H·(d_n + d_r)][d]: per head zeros for q_nope, then q_pe pair i = √A·(1, 0) from the β component.</summary>
    private float[] Query(SyntheticTensor t)
    {
        int d = _layout.Hidden, dn = _spec.NopeHeadDim, dr = _spec.RopeHeadDim;
        var w = new float[t.ElementCount];
        for (int h = 0; h < _spec.Heads; h++)
            for (int i = 0; i < dr / 2; i++)
                w[(h * (dn + dr) + dn + 2 * i) * d] = _pairWeight / NormalizedBias;
        return w;
    }

    /// <summary>[r + d_r][d]: rows 0..n copy the current direction into c; k_pe pair i = √A·(cos ω_i, sin ω_i) from β.</summary>
    private float[] LatentAndKey(SyntheticTensor t)
    {
        int d = _layout.Hidden, r = _spec.KvLoraRank;
        var w = new float[t.ElementCount];
        for (int j = 0; j < _layout.CurrentDims; j++) w[j * d + DemoLayout.CurrentStart + j] = 1f;
        for (int i = 0; i < _spec.RopeHeadDim / 2; i++)
        {
            w[(r + 2 * i) * d] = (float)(_pairWeight * Math.Cos(_omega[i]) / NormalizedBias);
            w[(r + 2 * i + 1) * d] = (float)(_pairWeight * Math.Sin(_omega[i]) / NormalizedBias);
        }
        return w;
    }

    /// <summary>kv_b [H·(d_n + d_v)][r]: W_UK = 0; W_UV of head h passes latent values h·d_v .. h·d_v + d_v − 1 through.</summary>
    private float[] Heads(SyntheticTensor t)
    {
        int r = _spec.KvLoraRank, dn = _spec.NopeHeadDim, dv = _spec.VHeadDim;
        var w = new float[t.ElementCount];
        for (int h = 0; h < _spec.Heads; h++)
            for (int j = 0; j < dv && h * dv + j < r; j++)
                w[(h * (dn + dv) + dn + j) * r + h * dv + j] = 1f;
        return w;
    }

    /// <summary>o_proj [d][H·d_v]: latent value j (= √r·r_prev[j]) → stream dimension P + j, scaled to σ·r_prev[j].</summary>
    private float[] Output(SyntheticTensor t)
    {
        int cols = _spec.Heads * _spec.VHeadDim;
        var w = new float[t.ElementCount];
        float scale = _layout.PreviousScale / MathF.Sqrt(_spec.KvLoraRank);
        for (int j = 0; j < _layout.CurrentDims; j++) w[(_layout.PreviousStart + j) * cols + j] = scale;
        return w;
    }

    /// <summary>Angular frequency per RoPE pair as the runtime's YaRN rotary embedding computes it.</summary>
    private static double[] Frequencies(DeepseekV2SyntheticSpec s)
    {
        int dims = s.RopeHeadDim;
        const float betaFast = 32, betaSlow = 1; // llama.cpp's defaults, which the config builder assumes
        float[] mix = s.YarnFactor > 1 ? Yarn.RampMix(dims, s.RopeBase, s.YarnOriginalContext, betaFast, betaSlow) : null!;
        var omega = new double[dims / 2];
        for (int i = 0; i < omega.Length; i++)
        {
            double original = Math.Pow(s.RopeBase, -2.0 * i / dims);
            omega[i] = s.YarnFactor > 1 ? original * (mix[i] + (1 - mix[i]) / s.YarnFactor) : original;
        }
        return omega;
    }
}
