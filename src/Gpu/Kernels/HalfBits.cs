using ILGPU;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// IEEE half and bfloat16 conversions on raw bits, for kernels: device buffers hold f16 as <c>ushort</c> so the
/// same bytes go to the Marlin GEMM and come back from it. Written out with integer operations (rather than
/// ILGPU.Half) so the rounding is the same on every accelerator: f32 → f16 rounds to nearest even, handles
/// subnormals, overflow to ∞ and NaN exactly as <see cref="System.Half"/>'s cast does.
/// </summary>
public static class HalfBits
{
    /// <summary>The f32 value of the f16 <paramref name="h"/> (exact).</summary>
    public static float ToFloat(ushort h)
    {
        uint sign = (uint)(h & 0x8000) << 16;
        uint exponent = (uint)(h >> 10) & 0x1F;
        uint mantissa = (uint)h & 0x3FF;
        if (exponent == 0x1F) return ILGPU.Interop.IntAsFloat(sign | 0x7F800000u | mantissa << 13);
        if (exponent != 0) return ILGPU.Interop.IntAsFloat(sign | (exponent + 112) << 23 | mantissa << 13);
        // zero or subnormal: mantissa · 2^-24, exact in f32
        float magnitude = mantissa * 5.9604644775390625e-8f;
        return sign != 0 ? -magnitude : magnitude;
    }

    /// <summary>f32 → f16 bits, rounding to nearest even.</summary>
    public static ushort FromFloat(float f)
    {
        uint bits = ILGPU.Interop.FloatAsInt(f);
        uint sign = (bits >> 16) & 0x8000;
        uint abs = bits & 0x7FFFFFFF;
        if (abs > 0x7F800000) return (ushort)(sign | 0x7E00 | (abs >> 13 & 0x3FF));           // NaN, payload kept, quiet
        if (abs >= 0x477FF000) return (ushort)(sign | 0x7C00);                                // rounds past 65504: ∞
        if (abs >= 0x38800000)                                                                // normal f16
        {
            uint rebased = abs - 0x38000000;                                                  // exponent 127 → 15
            uint round = 0xFFF + (rebased >> 13 & 1);
            return (ushort)(sign | (rebased + round) >> 13);
        }
        if (abs < 0x33000000) return (ushort)sign;                                            // below half the smallest subnormal
        // subnormal f16: shift the full 24-bit significand, round to nearest even on the dropped bits
        uint exponent = abs >> 23;
        uint significand = (abs & 0x7FFFFF) | 0x800000;
        int shift = (int)(126 - exponent);                                                    // 14 .. 24
        uint kept = significand >> shift;
        uint dropped = significand & ((1u << shift) - 1);
        uint halfway = 1u << (shift - 1);
        if (dropped > halfway || (dropped == halfway && (kept & 1) != 0)) kept++;
        return (ushort)(sign | kept);
    }

    /// <summary>The f32 value of the bfloat16 <paramref name="b"/> (exact).</summary>
    public static float BFloat16ToFloat(ushort b) => ILGPU.Interop.IntAsFloat((uint)b << 16);
}
