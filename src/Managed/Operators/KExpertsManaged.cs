using System.Numerics.Tensors;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// The managed f32 reference: for each (token, slot) the selected expert's three matrices are dequantized
/// exactly and applied with one dot per row, activations unquantized.
/// </summary>
[PhaseOp("KExpertsManaged", typeof(KTransformersExperts))]
public sealed unsafe class KExpertsManaged(ExpertsBinding binding) : IExpertsImplementation
{
    private readonly WeightTensor _gate = binding.Gate, _up = binding.Up, _down = binding.Down;
    private readonly int _hidden = binding.Module.Hidden, _ffn = binding.Module.Ffn, _experts = binding.Module.NumExperts;

    public void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights, int topK, float* y, bool accumulate)
    {
        int hidden = _hidden, ffn = _ffn;
        float* gate = ctx.Scratch.Alloc<float>((long)ffn * hidden);
        float* up = ctx.Scratch.Alloc<float>((long)ffn * hidden);
        float* down = ctx.Scratch.Alloc<float>((long)hidden * ffn);
        float* h = ctx.Scratch.Alloc<float>(ffn);
        if (!accumulate) new Span<float>(y, n * hidden).Clear();
        for (int t = 0; t < n; t++)
        {
            var xt = new ReadOnlySpan<float>(x + (long)t * hidden, hidden);
            for (int j = 0; j < topK; j++)
            {
                int e = ids[t * topK + j];
                if ((uint)e >= (uint)_experts) throw new ArgumentOutOfRangeException(nameof(ids), $"expert id {e} outside [0, {_experts})");
                Dequantize(ctx, _gate, (long)e * ffn, ffn, hidden, gate);
                Dequantize(ctx, _up, (long)e * ffn, ffn, hidden, up);
                Dequantize(ctx, _down, (long)e * hidden, hidden, ffn, down);
                for (int f = 0; f < ffn; f++)
                {
                    float g = TensorPrimitives.Dot(new ReadOnlySpan<float>(gate + (long)f * hidden, hidden), xt);
                    float u = TensorPrimitives.Dot(new ReadOnlySpan<float>(up + (long)f * hidden, hidden), xt);
                    h[f] = Activations.Silu(g) * u;
                }
                float wj = weights[t * topK + j];
                var hs = new ReadOnlySpan<float>(h, ffn);
                for (int o = 0; o < hidden; o++) y[(long)t * hidden + o] += wj * TensorPrimitives.Dot(new ReadOnlySpan<float>(down + (long)o * ffn, ffn), hs);
            }
        }
    }

    private static void Dequantize(ForwardContext ctx, WeightTensor w, long firstRow, long rows, long cols, float* dst) =>
        ctx.Pool.DequantizeRows(w.Type, w.RowPointer(firstRow), (nuint)w.RowBytes, dst, (nuint)(cols * 4), rows, cols);
}
