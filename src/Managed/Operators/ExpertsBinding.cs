using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// What an experts implementation (a [PhaseOp] of <see cref="KTransformersExperts"/>) is created with at bind:
/// the module (expert count and sizes) and the stacked tensors gate/up [E][Ffn][Hidden], down [E][Hidden][Ffn].
/// </summary>
public sealed record ExpertsBinding(OperatorContext Context, Experts Module, WeightTensor Gate, WeightTensor Up, WeightTensor Down);

/// <summary>
/// One way to run the routed experts for <see cref="KTransformersExperts"/>: for each token t and slot j,
/// y[t] (+)= weights[t·topK+j] · expert ids[t·topK+j](x[t]).
/// </summary>
public unsafe interface IExpertsImplementation
{
    void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights, int topK, float* y, bool accumulate);
}
