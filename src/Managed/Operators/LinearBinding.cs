using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// What a Linear implementation (a [PhaseOp] of <see cref="KTransformersLinear"/>) is created with at bind:
/// the operator's context, the weight matrix [Out][In] as stored, and the device of the phase it serves.
/// </summary>
public sealed record LinearBinding(OperatorContext Context, WeightTensor Weight, int In, int Out, Device Device);

/// <summary>One way to compute y = W x for <see cref="KTransformersLinear"/>: x [n][In] → y [n][Out], bias excluded.</summary>
public unsafe interface ILinearImplementation
{
    void Multiply(ForwardContext ctx, float* x, int n, float* y);
}
