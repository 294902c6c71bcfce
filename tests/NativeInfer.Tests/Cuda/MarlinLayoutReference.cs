namespace NativeInfer.Tests.Cuda;

/// <summary>
/// The Marlin layout written in C# from its description in docs/cuda.md (not from the native code), and
/// ggml's Q4_0 rule, for bit-exact checks of the native repack.
/// </summary>
internal static class MarlinLayoutReference
{
    /// <summary>Byte of the packed weights holding B[k][n], and whether it is the high nibble.</summary>
    /// <remarks>
    /// docs/cuda.md: unit (kb, nb) = 16 k × 64 n is the 512 bytes at (kb · N/64 + nb) · 512; lane L owns bytes
    /// 16L..16L+15 = little-endian words w0..w3; L = 4 · (n % 8) + (r % 8) / 2 with r = k % 16; word j holds
    /// subtiles 2j, 2j+1 (subtile = (n % 64) / 8); nibble i = 2 · (subtile % 2) + (r ≥ 8) + 4 · (r % 2).
    /// </remarks>
    public static (long Byte, bool High) WeightByte(long k, long n, long N)
    {
        long unit = k / 16 * (N / 64) + n / 64;
        int r = (int)(k % 16), c = (int)(n % 64);
        int lane = 4 * (c % 8) + r % 8 / 2, subtile = c / 8;
        int nibble = 2 * (subtile % 2) + (r >= 8 ? 1 : 0) + 4 * (r % 2);
        return (unit * 512 + lane * 16 + subtile / 2 * 4 + nibble / 2, nibble % 2 == 1);
    }

    /// <summary>Index (in f16 values) of the scale of group row g, column n: runs of 64 columns stored as [n % 8][(n % 64) / 8].</summary>
    public static long ScaleIndex(long g, long n, long N)
    {
        long c = n % 64;
        return g * N + (n - c) + c % 8 * 8 + c / 8;
    }

    /// <summary>Packs q [n][k] (GGUF orientation) and scales [n][k / group] by the description above.</summary>
    public static (byte[] Weights, byte[] Scales) Pack(byte[] q, ushort[] scales, long n, long k, long group)
    {
        var w = new byte[k * n / 2];
        var s = new byte[k / group * n * 2];
        for (long row = 0; row < n; row++)
        {
            for (long col = 0; col < k; col++)
            {
                (long b, bool high) = WeightByte(col, row, n);
                w[b] |= (byte)(high ? q[row * k + col] << 4 : q[row * k + col]);
            }
            for (long g = 0; g < k / group; g++)
                BitConverter.TryWriteBytes(s.AsSpan((int)(2 * ScaleIndex(g, row, n))), scales[row * (k / group) + g]);
        }
        return (w, s);
    }

    /// <summary>ggml's Q4_0 rule on one group: the value of largest magnitude maps to -8.</summary>
    public static ushort QuantizeGroup(ReadOnlySpan<float> x, Span<byte> q)
    {
        float amax = 0, max = 0;
        foreach (float v in x)
            if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
        float d = max / -8.0f;
        float id = d != 0 ? 1.0f / d : 0;
        for (int j = 0; j < x.Length; j++) q[j] = (byte)Math.Min(15, (int)(x[j] * id + 8.5f));
        return BitConverter.HalfToUInt16Bits((Half)d);
    }
}
