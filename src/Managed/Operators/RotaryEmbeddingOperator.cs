using NativeInfer.Config;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

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
                _rampMix = Yarn.RampMix(dims, _rope.Base, s.OriginalContextLength, s.BetaFast, s.BetaSlow);
                _mscale = Yarn.MScale(s.Factor, s.MScale) / Yarn.MScale(s.Factor, s.MScaleAllDim);
            }
        }
    }

    public int Dimensions => _rope.Dimensions;

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
