namespace NativeInfer.Config;

/// <summary>
/// YaRN's RoPE context extension (the <see cref="RopeScalingType.Yarn"/> of <see cref="RopeScaling"/>): the math
/// every RoPE implementation shares — the CPU operator, the attention's softmax scale, the GPU table, the demo model.
/// </summary>
public static class Yarn
{
    /// <summary>YaRN's magnitude correction: 0.1·m·ln(factor) + 1 (1 when m = 0 or factor ≤ 1).</summary>
    public static float MScale(float factor, float m) => factor <= 1 || m == 0 ? 1f : 0.1f * m * MathF.Log(factor) + 1f;

    /// <summary>
    /// Per RoPE pair, the weight of the extrapolated (unscaled) angle in YaRN's blend; the interpolated angle
    /// (divided by the scaling factor) gets the rest. 1 for fast pairs, 0 for slow ones, a ramp between.
    /// </summary>
    public static float[] RampMix(int dims, float ropeBase, int originalContext, float betaFast, float betaSlow)
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
}
