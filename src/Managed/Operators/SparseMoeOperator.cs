using System.Numerics.Tensors;
using NativeInfer.Config;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// A MoE block: expert selection — the router operator of a DeepSeek block's MoEGate, or router logits
/// from a Linear gate through <see cref="Router"/> (Qwen, Mixtral) — then the routed experts operator,
/// plus the shared expert(s): added as is (DeepSeek) or scaled by sigmoid(w_gate · x) (Qwen2-MoE).
/// Registered under KTransformers' names for every MoE block class and as their default.
/// </summary>
[Operator("SparseMoe", Modules = [typeof(SparseMoeBlock)], IsDefault = true)]
[Operator("KDeepseekV2MoE", Aliases = ["ktransformers.operators.experts.KDeepseekV2MoE"], Modules = [typeof(DeepseekMoEBlock)])]
[Operator("KDeepseekV3MoE", Aliases = ["ktransformers.operators.experts.KDeepseekV3MoE", "ktransformers.operators.experts.KDeepseekV3MoEV2"],
          Modules = [typeof(DeepseekMoEBlock)])]
[Operator("KQwen2MoeSparseMoeBlock", Aliases = ["ktransformers.operators.experts.KQwen2MoeSparseMoeBlock", "ktransformers.operators.experts.KQwen2MoeSparseMoeBlockV2"],
          Modules = [typeof(Qwen2MoeSparseMoeBlock)])]
[Operator("KQwen3MoeSparseMoeBlock", Aliases = ["ktransformers.operators.experts.KQwen3MoeSparseMoeBlockV2"], Modules = [typeof(Qwen3MoeSparseMoeBlock)])]
[Operator("KMistralSparseMoEBlock", Aliases = ["ktransformers.operators.experts.KMistralSparseMoEBlock"], Modules = [typeof(MixtralSparseMoeBlock)])]
public sealed unsafe class SparseMoeOperator : InjectedOperator, IFeedForwardOperator
{
    private readonly SparseMoeBlock _block;
    private readonly MoeConfig _moe;
    private IExpertsOperator _experts = null!;
    private IFeedForwardOperator? _shared;
    private ILinearOperator? _sharedGate;
    private ILinearOperator? _routerLinear;   // Qwen / Mixtral: the router is a Linear module
    private IRouterOperator? _router;         // DeepSeek: the MoEGate module's operator

    public SparseMoeOperator(OperatorContext context) : base(context)
    {
        _block = context.Module as SparseMoeBlock
                 ?? throw new ModelLoadException($"{Key}: a MoE block operator needs a sparse MoE module, got {context.Module.ClassName}");
        _moe = _block.Moe;
    }

    public override void Bind(OperatorBinder binder)
    {
        _experts = binder.OperatorFor<IExpertsOperator>(_block.Experts);
        switch (_block)
        {
            case DeepseekMoEBlock d:
                _router = binder.OperatorFor<IRouterOperator>(d.Gate);
                if (d.SharedExperts is { } se) _shared = binder.OperatorFor<IFeedForwardOperator>(se);
                break;
            case Qwen2MoeSparseMoeBlock q:
                _routerLinear = binder.OperatorFor<ILinearOperator>(q.Gate);
                if (q.SharedExpert is { } se2) _shared = binder.OperatorFor<IFeedForwardOperator>(se2);
                if (q.SharedExpertGate is { } sg) _sharedGate = binder.OperatorFor<ILinearOperator>(sg);
                break;
            case LinearRoutedMoeBlock m:
                _routerLinear = binder.OperatorFor<ILinearOperator>(m.Gate);
                break;
            default:
                throw new ModelLoadException($"{Key}: no routing known for {_block.ClassName}");
        }
        if (_routerLinear is not null && _moe.SelectionBias)
            throw new ModelLoadException($"{Key}: {_block.ClassName} has a Linear router, which carries no selection bias, but the config routes with one");
    }

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        int e = _moe.NumExperts, k = _moe.ExpertsPerToken, hidden = Config.HiddenSize;
        int* ids = ctx.Scratch.Alloc<int>((long)n * k);
        float* weights = ctx.Scratch.Alloc<float>((long)n * k);
        if (_router is not null) _router.Forward(ctx, x, n, ids, weights);
        else
        {
            float* logits = ctx.Scratch.Alloc<float>((long)n * e);
            _routerLinear!.Forward(ctx, x, n, logits);
            Router.Route(_moe, logits, n, null, ids, weights, ctx.Scratch.Alloc<float>(Router.ScratchFloats(_moe)));
        }
        _experts.Forward(ctx, x, n, ids, weights, k, y, accumulate: false);
        if (_shared is null) return;
        float* s = ctx.Scratch.Alloc<float>((long)n * hidden);
        _shared.Forward(ctx, x, n, s);
        if (_sharedGate is not null)
        {
            float* gate = ctx.Scratch.Alloc<float>(n);
            _sharedGate.Forward(ctx, x, n, gate);
            for (int t = 0; t < n; t++)
            {
                var row = new Span<float>(s + (long)t * hidden, hidden);
                TensorPrimitives.Multiply(row, Activations.Sigmoid(gate[t]), row);
            }
        }
        var all = new Span<float>(y, n * hidden);
        TensorPrimitives.Add(all, new ReadOnlySpan<float>(s, n * hidden), all);
    }
}
