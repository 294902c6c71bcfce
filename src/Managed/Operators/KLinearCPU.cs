using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>The native quantized matmul on the weights as stored (the default linear op).</summary>
[PhaseOp("KLinearCPU", typeof(KTransformersLinear), Aliases = ["KLinearTorch", "KLinearCPUInfer"], IsDefault = true)]
public sealed unsafe class KLinearCPU(LinearBinding binding) : ILinearImplementation
{
    private readonly WeightTensor _w = binding.Weight;
    private readonly int _in = binding.In, _out = binding.Out;

    public void Multiply(ForwardContext ctx, float* x, int n, float* y) =>
        ctx.Pool.MatMul(_w.Type, _w.Pointer, (nuint)_w.RowBytes, x, (nuint)(_in * 4), y, (nuint)(_out * 4), n, _out, _in);
}
