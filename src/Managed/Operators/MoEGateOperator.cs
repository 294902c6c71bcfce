using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// DeepSeek's router (the MoEGate module; KTransformers' KMoEGate): logits = W x by the native matmul in
/// f32, then <see cref="Router"/> — softmax or sigmoid, V3's selection bias, group-limited selection,
/// renormalisation and routed scaling as the config says.
/// </summary>
[Operator("KMoEGate", Aliases = ["ktransformers.operators.gate.KMoEGate"], Modules = [typeof(MoEGate)], IsDefault = true)]
public sealed unsafe class MoEGateOperator : InjectedOperator, IRouterOperator
{
    private readonly MoEGate _gate;
    private WeightTensor _weight;
    private float* _bias;            // e_score_correction_bias as f32 (null without one)
    private float[]? _convertedBias; // keeps an F16/BF16 bias's converted copy alive

    public MoEGateOperator(OperatorContext context) : base(context)
    {
        _gate = context.Module as MoEGate ?? throw new ModelLoadException($"{Key}: MoEGateOperator needs a MoEGate module, got {context.Module.ClassName}");
        if (context.Config.Moe is null) throw new ModelLoadException($"{Key}: a router needs a MoE config");
    }

    public int TopK => Config.Moe!.ExpertsPerToken;

    public override void Bind(OperatorBinder binder)
    {
        _weight = binder.Tensor(_gate, "weight");
        if (_gate.HasSelectionBias) _bias = VectorWeight.Bind(binder.Tensor(_gate, "e_score_correction_bias"), Key, "selection bias", ref _convertedBias);
    }

    public void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights)
    {
        int e = _gate.NumExperts, hidden = _gate.Hidden;
        float* logits = ctx.Scratch.Alloc<float>((long)n * e);
        ctx.Pool.MatMul(_weight.Type, _weight.Pointer, (nuint)_weight.RowBytes, x, (nuint)(hidden * 4), logits, (nuint)(e * 4), n, e, hidden);
        float* scratch = ctx.Scratch.Alloc<float>(Router.ScratchFloats(Config.Moe!));
        Router.Route(Config.Moe!, logits, n, _bias, ids, weights, scratch);
    }
}
