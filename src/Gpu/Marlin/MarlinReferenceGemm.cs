using NativeInfer.Gpu.Kernels;

namespace NativeInfer.Gpu.Marlin;

/// <summary>
/// The int4 GEMM on the CPU, in the kernel's number format, reading the packed buffers through
/// <see cref="MarlinPacking"/>'s positions: C[m][n] = f16(Σ_k A[m][k] · B[k][n]) with f32 accumulation, where
/// B = f16((q − 8) · s) for grouped scales (the kernel's hmul2) and, for one scale per column (group = K),
/// B = q − 8 with s applied to the f32 sum before the f16 rounding (the kernel's write_result). Summation is
/// sequential in k, so results may differ from a GPU's in the last bits of f32 before rounding.
/// The emulated device runs it on its buffers' memory; it is also a readable statement of what the kernel computes.
/// </summary>
public static unsafe class MarlinReferenceGemm
{
    /// <summary>
    /// c [m] rows (cRowStride halves apart) = a [m] rows (aRowStride halves apart) · B; all f16 bits.
    /// <paramref name="column"/>: scratch of at least K floats for one dequantized column (null: allocated here).
    /// </summary>
    public static void Multiply(byte* weights, ushort* scales, ushort* a, long aRowStride, ushort* c, long cRowStride, long m, long n, long k,
                                long groupSize, float[]? column = null)
    {
        MarlinPacking.CheckShape(n, k, groupSize);
        if (m <= 0) throw new ArgumentOutOfRangeException(nameof(m), $"m must be > 0 (got {m})");
        if (aRowStride < k || cRowStride < n) throw new ArgumentException($"row strides ({aRowStride}, {cRowStride}) are shorter than K = {k} / N = {n}");
        bool perColumn = groupSize == k;
        if (column is not null && column.Length < k) throw new ArgumentException($"the column scratch holds {column.Length} floats; K = {k} are needed", nameof(column));
        column ??= new float[k];
        for (long col = 0; col < n; col++)
        {
            for (long kk = 0; kk < k; kk++)
            {
                (long b, int shift) = MarlinPacking.WeightPosition(kk, col, n);
                int q = (weights[b] >> shift & 0xF) - 8;
                column[kk] = perColumn ? q : HalfBits.ToFloat(HalfBits.FromFloat(q * HalfBits.ToFloat(scales[MarlinPacking.ScalePosition(kk / groupSize, col, n)])));
            }
            float columnScale = perColumn ? HalfBits.ToFloat(scales[MarlinPacking.ScalePosition(0, col, n)]) : 1f;
            for (long row = 0; row < m; row++)
            {
                ushort* x = a + row * aRowStride;
                float sum = 0;
                for (long kk = 0; kk < k; kk++) sum += HalfBits.ToFloat(x[kk]) * column[kk];
                c[row * cRowStride + col] = HalfBits.FromFloat(perColumn ? sum * columnScale : sum);
            }
        }
    }
}
