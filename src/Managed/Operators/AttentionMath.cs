using System.Numerics.Tensors;

namespace NativeInfer.Operators;

/// <summary>Pieces shared by the attention operators.</summary>
internal static unsafe class AttentionMath
{
    /// <summary>
    /// Row (t, h) of scores [n·heads][total]: scale, causal mask (token t sees positions ≤ start + t),
    /// softmax in f32 over the visible part; the masked tail becomes 0.
    /// </summary>
    public static void CausalSoftmax(float* scores, int n, int heads, int total, long rowStride, int start, float scale)
    {
        for (int t = 0; t < n; t++)
        {
            int visible = start + t + 1;
            for (int h = 0; h < heads; h++)
            {
                var row = new Span<float>(scores + ((long)t * heads + h) * rowStride, visible);
                TensorPrimitives.Multiply(row, scale, row);
                float max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
                float sum = TensorPrimitives.Sum(row);
                TensorPrimitives.Multiply(row, 1f / sum, row);
                if (visible < total) new Span<float>(scores + ((long)t * heads + h) * rowStride + visible, total - visible).Clear();
            }
        }
    }

    /// <summary>Copies `count` f32 values per token from strided rows (for gathering slices into contiguous scratch).</summary>
    public static void CopyRows(float* src, long srcStride, float* dst, long dstStride, int rows, int count)
    {
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(src + r * srcStride, count).CopyTo(new Span<float>(dst + r * dstStride, count));
    }
}
