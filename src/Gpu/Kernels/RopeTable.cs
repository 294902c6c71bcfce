using NativeInfer.Config;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// RoPE cos/sin for positions [0, Positions) and every pair, computed on the host exactly as
/// RotaryEmbeddingOperator computes its angles (f32, the angle of pair i is the position times
/// base^(−2i/d) accumulated by repeated multiplication, YaRN's ramp blend and mscale), so the GPU rotates by
/// bit-identical factors. On the host because ILGPU's sin/cos compile to PTX's approximate instructions.
/// </summary>
public sealed class RopeTable
{
    private RopeTable(int positions, int pairs, bool neox, float[] cos, float[] sin)
    {
        Positions = positions;
        Pairs = pairs;
        Neox = neox;
        Cos = cos;
        Sin = sin;
    }

    public int Positions { get; }

    /// <summary>Rotated pairs per head: dimensions / 2.</summary>
    public int Pairs { get; }

    /// <summary>Pairs are (i, i + d/2) (NEOX, Qwen) rather than (2i, 2i + 1) (GGUF llama / deepseek2).</summary>
    public bool Neox { get; }

    /// <summary>[Positions][Pairs], already multiplied by YaRN's mscale.</summary>
    public float[] Cos { get; }

    public float[] Sin { get; }

    /// <summary>The table for positions [0, <paramref name="positions"/>) of <paramref name="rope"/>.</summary>
    public static RopeTable Create(RopeConfig rope, int positions)
    {
        ArgumentNullException.ThrowIfNull(rope);
        if (positions <= 0) throw new ArgumentOutOfRangeException(nameof(positions), $"positions must be > 0 (got {positions})");
        if (rope.Dimensions <= 0 || rope.Dimensions % 2 != 0)
            throw new ArgumentException($"RoPE dimensions must be positive and even (got {rope.Dimensions})", nameof(rope));
        int dims = rope.Dimensions, pairs = dims / 2;
        if ((long)positions * pairs > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(positions), $"{positions} positions × {pairs} pairs is too large a table");

        // The same constants, in the same order, as RotaryEmbeddingOperator's constructor.
        float thetaScale = MathF.Pow(rope.Base, -2.0f / dims);
        float[] rampMix = new float[pairs];
        float freqScale = 1f, mscale = 1f;
        if (rope.Scaling is { } s && s.Factor > 1)
        {
            freqScale = 1f / s.Factor;
            if (s.Type == RopeScalingType.Yarn)
            {
                rampMix = Yarn.RampMix(dims, rope.Base, s.OriginalContextLength, s.BetaFast, s.BetaSlow);
                mscale = Yarn.MScale(s.Factor, s.MScale) / Yarn.MScale(s.Factor, s.MScaleAllDim);
            }
        }

        var cos = new float[positions * pairs];
        var sin = new float[positions * pairs];
        for (int p = 0; p < positions; p++)
        {
            float theta = p;
            for (int i = 0; i < pairs; i++)
            {
                float interp = freqScale * theta;
                float angle = interp * (1 - rampMix[i]) + theta * rampMix[i];
                cos[p * pairs + i] = MathF.Cos(angle) * mscale;
                sin[p * pairs + i] = MathF.Sin(angle) * mscale;
                theta *= thetaScale;
            }
        }
        return new RopeTable(positions, pairs, rope.Style == RopeStyle.Neox, cos, sin);
    }
}
