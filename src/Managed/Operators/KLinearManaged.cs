using System.Numerics.Tensors;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// The managed f32 reference: y[t][r] = Σ_i W[r][i]·x[t][i] on weights dequantized exactly, once, at bind.
/// </summary>
[PhaseOp("KLinearManaged", typeof(KTransformersLinear))]
public sealed unsafe class KLinearManaged : ILinearImplementation
{
    private readonly float[] _dense;  // [Out][In]
    private readonly int _in, _out;

    public KLinearManaged(LinearBinding binding)
    {
        _in = binding.In;
        _out = binding.Out;
        _dense = Dequantize(binding.Weight);
    }

    public void Multiply(ForwardContext ctx, float* x, int n, float* y)
    {
        for (int t = 0; t < n; t++)
        {
            var xt = new ReadOnlySpan<float>(x + (long)t * _in, _in);
            for (int r = 0; r < _out; r++) y[(long)t * _out + r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_dense, r * _in, _in), xt);
        }
    }

    private static float[] Dequantize(WeightTensor w)
    {
        long rows = w.Rows, cols = w.Columns;
        var dense = new float[rows * cols];
        using var pool = Kernels.KernelPool.Create(1);
        fixed (float* d = dense)
            pool.DequantizeRows(w.Type, w.Pointer, (nuint)w.RowBytes, d, (nuint)(cols * 4), rows, cols);
        return dense;
    }
}
