using ILGPU;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Scalar math used inside kernels where ILGPU's own would be inexact on the GPU: XMath.Exp and MathF.Exp
/// compile to PTX <c>ex2.approx</c> (a few ulp off, and flushed subnormals), so softmax, sigmoid and SiLU use
/// <see cref="Exp"/>, a range-reduced polynomial that is within 2 ulp of exp everywhere and behaves the same
/// on the CPU accelerator and on a GPU. Everything here compiles to plain f32 adds, multiplies and conversions.
/// </summary>
public static class DeviceMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693145751953125f;        // ln 2 with its low 12 bits clear: k·Ln2Hi is exact
    private const float Ln2Lo = 1.42860682030941723e-6f;   // ln 2 − Ln2Hi
    private const float MaxArgument = 88.7228394f;         // ln(float.MaxValue)
    private const float MinArgument = -103.972084f;        // below: exp rounds to 0 even as a subnormal

    /// <summary>
    /// e^x in f32: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite, ln2 in two parts), e^r by its Taylor series to
    /// r⁷ (truncation below 2⁻²⁵ relative), then 2^k applied in two steps so subnormal results come out right.
    /// NaN stays NaN, +∞ → +∞, −∞ → 0.
    /// </summary>
    public static float Exp(float x)
    {
        if (float.IsNaN(x)) return x;
        if (x > MaxArgument) return float.PositiveInfinity;
        if (x < MinArgument) return 0f;
        float k = MathF.Floor(x * Log2E + 0.5f);
        float r = x - k * Ln2Hi;
        r -= k * Ln2Lo;
        float p = 1f / 5040f;
        p = p * r + 1f / 720f;
        p = p * r + 1f / 120f;
        p = p * r + 1f / 24f;
        p = p * r + 1f / 6f;
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        int ki = (int)k;
        int half = ki / 2;
        return p * Pow2(half) * Pow2(ki - half);
    }

    /// <summary>1 / (1 + e^−x).</summary>
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    /// <summary>x · sigmoid(x), written as the CPU operator writes it: x / (1 + e^−x).</summary>
    public static float Silu(float x) => x / (1f + Exp(-x));

    // 2^e for e in [-126, 127] as the f32 with that exponent field.
    private static float Pow2(int e) => ILGPU.Interop.IntAsFloat((uint)(e + 127) << 23);
}
