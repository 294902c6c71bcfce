using NativeInfer.Config;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;

namespace NativeInfer.Operators;

/// <summary>
/// RoPE, computed the way ggml does so logits match llama.cpp: per pair i0 = 0, 2, …, the angle
/// starts at the position and is multiplied by base^(−2/d) once per pair (in f32); YaRN blends the
/// interpolated angle (÷ factor) with the original one through a linear ramp between the correction
/// dims of β_fast and β_slow against the original context, and scales cos/sin by
/// mscale(factor, mscale) / mscale(factor, mscale_all_dim) (1 for DeepSeek-V2, whose two are equal).
/// Pairs are adjacent values (GGUF llama / deepseek2) or halves (NEOX: Qwen2).
/// Registered as RotaryEmbedding and YarnRotaryEmbedding (KTransformers' names); both read the
/// scaling from the config, so either name works for either module.
/// </summary>
[Operator("RotaryEmbedding", Aliases = ["ktransformers.operators.RoPE.RotaryEmbedding", "ktransformers.operators.RoPE.RotaryEmbeddingV3",
                                     "ktransformers.operators.RoPE.RotaryEmbeddingV4"],
          Modules = [typeof(RotaryEmbedding)], IsDefault = true)]
[Operator("YarnRotaryEmbedding", Aliases = ["ktransformers.operators.RoPE.YarnRotaryEmbedding", "ktransformers.operators.RoPE.YarnRotaryEmbeddingV3"],
          Modules = [typeof(RotaryEmbedding)])]
public sealed unsafe class RotaryEmbeddingOperator : InjectedOperator, IRotaryOperator
{
    private readonly RopeConfig _rope;
    private readonly float _thetaScale, _freqScale, _mscale;
    private readonly float[] _rampMix;  // per pair: weight of the extrapolated (unscaled) angle

    public RotaryEmbeddingOperator(OperatorContext context) : base(context)
    {
        _rope = (context.Module as RotaryEmbedding)?.Rope
                ?? throw new ModelLoadException($"{Key}: a rotary operator needs a RotaryEmbedding module, got {context.Module.ClassName}");
        int dims = _rope.Dimensions;
        _thetaScale = MathF.Pow(_rope.Base, -2.0f / dims);
        _rampMix = new float[dims / 2];
        _freqScale = 1f;
        _mscale = 1f;
        if (_rope.Scaling is { } s && s.Factor > 1)
        {
            _freqScale = 1f / s.Factor;
            if (s.Type == RopeScalingType.Yarn)
            {
                _rampMix = YarnRampMix(dims, _rope.Base, s.OriginalContextLength, s.BetaFast, s.BetaSlow);
                _mscale = YarnMScale(s.Factor, s.MScale) / YarnMScale(s.Factor, s.MScaleAllDim);
            }
        }
    }

    public int Dimensions => _rope.Dimensions;

    /// <summary>YaRN's magnitude correction: 0.1·m·ln(factor) + 1 (1 when m = 0 or factor ≤ 1).</summary>
    public static float YarnMScale(float factor, float m) => factor <= 1 || m == 0 ? 1f : 0.1f * m * MathF.Log(factor) + 1f;

    /// <summary>
    /// Per RoPE pair, the weight of the extrapolated (unscaled) angle in YaRN's blend; the interpolated angle
    /// (divided by the scaling factor) gets the rest. 1 for fast pairs, 0 for slow ones, a ramp between.
    /// </summary>
    public static float[] YarnRampMix(int dims, float ropeBase, int originalContext, float betaFast, float betaSlow)
    {
        float low = MathF.Max(0, MathF.Floor(CorrectionDim(dims, originalContext, betaFast, ropeBase)));
        float high = MathF.Min(dims - 1, MathF.Ceiling(CorrectionDim(dims, originalContext, betaSlow, ropeBase)));
        var mix = new float[dims / 2];
        for (int i = 0; i < mix.Length; i++)
            mix[i] = 1 - MathF.Min(1, MathF.Max(0, (i - low) / MathF.Max(0.001f, high - low)));  // ext_factor = 1
        return mix;
    }

    // The dimension whose wavelength fits `rotations` times into the original context.
    private static float CorrectionDim(int dims, int originalContext, float rotations, float b) =>
        dims * MathF.Log(originalContext / (rotations * 2 * MathF.PI)) / (2 * MathF.Log(b));

    public void Apply(ForwardContext ctx, float* x, int n, int heads, long tokenStride, long headStride)
    {
        int pairs = Dimensions / 2;
        float* cos = stackalloc float[pairs];
        float* sin = stackalloc float[pairs];
        bool neox = _rope.Style == RopeStyle.Neox;
        for (int t = 0; t < n; t++)
        {
            float theta = ctx.StartPosition + t;
            for (int i = 0; i < pairs; i++)
            {
                float interp = _freqScale * theta;
                float angle = interp * (1 - _rampMix[i]) + theta * _rampMix[i];
                cos[i] = MathF.Cos(angle) * _mscale;
                sin[i] = MathF.Sin(angle) * _mscale;
                theta *= _thetaScale;
            }
            for (int h = 0; h < heads; h++)
            {
                float* v = x + t * tokenStride + h * headStride;
                for (int i = 0; i < pairs; i++)
                {
                    int a = neox ? i : 2 * i, b = neox ? i + pairs : 2 * i + 1;
                    float x0 = v[a], x1 = v[b];
                    v[a] = x0 * cos[i] - x1 * sin[i];
                    v[b] = x0 * sin[i] + x1 * cos[i];
                }
            }
        }
    }
}
