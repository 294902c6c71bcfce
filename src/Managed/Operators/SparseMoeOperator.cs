using System.Numerics.Tensors;
using NativeInfer.Config;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;

namespace NativeInfer.Operators;

/// <summary>
/// A MoE block: router logits in f32 → <see cref="Router"/> → the routed experts operator → plus the
/// shared expert(s): added as is (DeepSeek-V2) or scaled by sigmoid(w_gate · x) (Qwen2-MoE).
/// Registered as KDeepseekV2MoE, KQwen2MoeSparseMoeBlock and as the default for every MoE block.
/// </summary>
public sealed unsafe class SparseMoeOperator : InjectedOperator, IFeedForwardOperator
{
    private readonly SparseMoeBlock _block;
    private readonly MoeConfig _moe;
    private IExpertsOperator _experts = null!;
    private IFeedForwardOperator? _shared;
    private ILinearOperator? _sharedGate;
    private ILinearOperator? _routerLinear;   // Qwen2 / Mixtral: the router is a Linear module
    private WeightTensor _routerWeight;       // DeepSeek-V2: MoEGate weight, used directly

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
            case DeepseekV2MoE d:
                _routerWeight = binder.Tensor(d.Gate, "weight");
                if (d.SharedExperts is { } se) _shared = binder.OperatorFor<IFeedForwardOperator>(se);
                break;
            case Qwen2MoeSparseMoeBlock q:
                _routerLinear = binder.OperatorFor<ILinearOperator>(q.Gate);
                if (q.SharedExpert is { } se2) _shared = binder.OperatorFor<IFeedForwardOperator>(se2);
                if (q.SharedExpertGate is { } sg) _sharedGate = binder.OperatorFor<ILinearOperator>(sg);
                break;
            case MixtralSparseMoeBlock m:
                _routerLinear = binder.OperatorFor<ILinearOperator>(m.Gate);
                break;
            default:
                throw new ModelLoadException($"{Key}: no routing known for {_block.ClassName}");
        }
    }

    public override long DecodeBytes => _routerWeight.IsNull ? 0 : _routerWeight.RowBytes * _routerWeight.Rows;

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        int e = _moe.NumExperts, k = _moe.ExpertsPerToken, hidden = Config.HiddenSize;
        float* logits = ctx.Scratch.Alloc<float>((long)n * e);
        if (_routerLinear is not null) _routerLinear.Forward(ctx, x, n, logits);
        else ctx.Pool.MatMul(_routerWeight.Type, _routerWeight.Pointer, (nuint)_routerWeight.RowBytes, x, (nuint)(hidden * 4), logits,
            (nuint)(e * 4), n, e, hidden);
        int* ids = ctx.Scratch.Alloc<int>((long)n * k);
        float* weights = ctx.Scratch.Alloc<float>((long)n * k);
        Router.Route(_moe, logits, n, ids, weights, ctx.Scratch.Alloc<float>(e));
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
                TensorPrimitives.Multiply(row, 1f / (1f + MathF.Exp(-gate[t])), row);
            }
        }
        var all = new Span<float>(y, n * hidden);
        TensorPrimitives.Add(all, new ReadOnlySpan<float>(s, n * hidden), all);
    }
}
