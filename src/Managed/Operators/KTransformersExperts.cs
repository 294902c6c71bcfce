using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// The routed experts of one MoE layer over the stacked GGUF tensors. Its generate_op (one token) and
/// prefill_op (several) name the implementation, a [PhaseOp] class each, created once at bind:
/// <see cref="KExpertsCPU"/> (the native MoE kernel, the default) or <see cref="KExpertsManaged"/> (the f32
/// reference). KTransformers' KExpertsMarlin (experts on a GPU) has no implementation here: a rule naming
/// it fails, or with the CPU fallback runs KExpertsCPU. Its `backend` kwarg (llamafile, AMXInt8, AMXBF16)
/// chooses KTransformers' CPU kernels; here every value runs NativeInfer's CPU kernels, which `rules explain` notes.
/// </summary>
[Operator("KTransformersExperts", Aliases = ["ktransformers.operators.experts.KTransformersExperts", "ktransformers.operators.experts.KTransformersExpertsV2"],
          Modules = [typeof(Experts)], Options = typeof(ExpertsOptions), IsDefault = true)]
[UnimplementedCudaOp("KExpertsMarlin")]
public sealed unsafe class KTransformersExperts : InjectedOperator, IExpertsOperator
{
    private readonly Experts _experts;
    private readonly string _generateOp, _prefillOp;
    private WeightTensor _gate, _up, _down;
    private PhaseImplementations<IExpertsImplementation> _impl;

    public KTransformersExperts(OperatorContext context) : base(context)
    {
        _experts = context.Module as Experts ?? throw new ModelLoadException($"{Key}: KTransformersExperts needs an Experts module, got {context.Module.ClassName}");
        _generateOp = PhaseOps.Resolve(typeof(KTransformersExperts), context.GenerateOp);
        _prefillOp = PhaseOps.Resolve(typeof(KTransformersExperts), context.PrefillOp);
    }

    public override void Bind(OperatorBinder binder)
    {
        _gate = binder.Tensor(_experts, "gate");
        _up = binder.Tensor(_experts, "up");
        _down = binder.Tensor(_experts, "down");
        var binding = new ExpertsBinding(Context, _experts, _gate, _up, _down);
        var generate = PhaseOps.Create<IExpertsImplementation>(typeof(KTransformersExperts), _generateOp, binding);
        _impl = new(generate, _prefillOp == _generateOp ? generate : PhaseOps.Create<IExpertsImplementation>(typeof(KTransformersExperts), _prefillOp, binding));
    }

    public void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights, int topK, float* y, bool accumulate) =>
        _impl.For(n).Forward(ctx, x, n, ids, weights, topK, y, accumulate);
}
