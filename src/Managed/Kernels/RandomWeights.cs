using NativeInfer.Interop;

namespace NativeInfer.Kernels;

/// <summary>
/// Random weight matrices of any weight type, for checks and benchmarks: Gaussian values quantized by
/// the library where it can write the type, otherwise (the i-quants, which need an importance matrix
/// to be written) random valid blocks — random bytes with an fp16 block scale chosen so the values'
/// RMS is about the one asked for. Every grid index, sign and sub-block scale is then as likely as any
/// other, which is how the reference data for these formats was made.
/// </summary>
public static class RandomWeights
{
    /// <summary>Fills <paramref name="dst"/> with <paramref name="rows"/> × <paramref name="cols"/> values of <paramref name="type"/>.</summary>
    public static void Fill(KernelPool pool, NiType type, Span<byte> dst, long rows, long cols, Random random, float rms)
    {
        long bytes = rows * QuantTypes.RowSize(type, cols);
        if (dst.Length < bytes) throw new ArgumentException($"{dst.Length} bytes cannot hold {rows} rows of {cols} {QuantTypes.Name(type)} values", nameof(dst));
        if (QuantTypes.CanQuantize(type))
        {
            var values = new float[rows * cols];
            for (long i = 0; i < values.Length; i += 2)
            {
                double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), angle = 2 * Math.PI * random.NextDouble();
                values[i] = (float)(rms * radius * Math.Cos(angle));
                if (i + 1 < values.Length) values[i + 1] = (float)(rms * radius * Math.Sin(angle));
            }
            pool.Quantize(type, values, dst, rows, cols);
            return;
        }
        Span<byte> blocks = dst[..(int)bytes];
        random.NextBytes(blocks);
        int blockBytes = (int)QuantTypes.Info(type).BlockBytes;
        // With d = 1 the values have RMS `unit`; then d = rms / unit for every block.
        SetBlockScales(type, blocks, blockBytes, (Half)1f);
        var dequantized = new float[rows * cols];
        pool.Dequantize(type, blocks, dequantized, rows, cols);
        double sum2 = 0;
        foreach (float v in dequantized) sum2 += (double)v * v;
        double unit = Math.Sqrt(sum2 / dequantized.Length);
        SetBlockScales(type, blocks, blockBytes, (Half)(rms / unit));
    }

    // The fp16 block scale sits in a block's first two bytes, except for IQ1_M, which spreads it over
    // the top nibbles of the four 16-bit words that end the block.
    private static void SetBlockScales(NiType type, Span<byte> blocks, int blockBytes, Half d)
    {
        ushort bits = BitConverter.HalfToUInt16Bits(d);
        for (int at = 0; at + blockBytes <= blocks.Length; at += blockBytes)
        {
            Span<byte> block = blocks.Slice(at, blockBytes);
            if (type == NiType.IQ1_M)
            {
                for (int w = 0; w < 4; w++)
                {
                    ref byte high = ref block[blockBytes - 8 + 2 * w + 1];
                    high = (byte)((high & 0x0F) | (((bits >> (4 * w)) & 0xF) << 4));
                }
            }
            else
            {
                block[0] = (byte)bits;
                block[1] = (byte)(bits >> 8);
            }
        }
    }
}
