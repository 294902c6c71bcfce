using System.Numerics.Tensors;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>Dense feed-forward: down(silu(gate x) ⊙ up x) through the gate/up/down Linear operators.</summary>
[Operator("MLP", Aliases = ["ktransformers.operators.mlp.kDeepseekV3MLP", "ktransformers.operators.mlp.KQwen2MoeMLP"], Modules = [typeof(Mlp)], IsDefault = true)]
public sealed unsafe class MlpOperator : InjectedOperator, IFeedForwardOperator
{
    private readonly Mlp _mlp;
    private ILinearOperator _gate = null!, _up = null!, _down = null!;

    public MlpOperator(OperatorContext context) : base(context) =>
        _mlp = context.Module as Mlp ?? throw new ModelLoadException($"{Key}: MlpOperator needs an MLP module, got {context.Module.ClassName}");

    public override void Bind(OperatorBinder binder)
    {
        _gate = binder.OperatorFor<ILinearOperator>(_mlp.GateProj);
        _up = binder.OperatorFor<ILinearOperator>(_mlp.UpProj);
        _down = binder.OperatorFor<ILinearOperator>(_mlp.DownProj);
    }

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        long width = (long)n * _gate.Out;
        float* g = ctx.Scratch.Alloc<float>(width);
        float* u = ctx.Scratch.Alloc<float>(width);
        _gate.Forward(ctx, x, n, g);
        _up.Forward(ctx, x, n, u);
        SiluMul(g, u, width);
        _down.Forward(ctx, g, n, y);
    }

    /// <summary>g = silu(g) ⊙ u = g·sigmoid(g)·u.</summary>
    internal static void SiluMul(float* g, float* u, long count)
    {
        for (long start = 0; start < count; start += int.MaxValue / 4)
        {
            int len = (int)Math.Min(count - start, int.MaxValue / 4);
            var gs = new Span<float>(g + start, len);
            var us = new ReadOnlySpan<float>(u + start, len);
            for (int i = 0; i < len; i++) gs[i] = Activations.Silu(gs[i]) * us[i];
        }
    }
}
