using System.Numerics.Tensors;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)), in place on x.</summary>
[Operator("DecoderLayer", Modules = [typeof(DecoderLayer)], IsDefault = true)]
public sealed unsafe class DecoderLayerOperator : InjectedOperator
{
    private readonly DecoderLayer _layer;
    private INormOperator _inNorm = null!, _postNorm = null!;
    private IAttentionOperator _attn = null!;
    private IFeedForwardOperator _mlp = null!;

    public DecoderLayerOperator(OperatorContext context) : base(context) =>
        _layer = context.Module as DecoderLayer ?? throw new ModelLoadException($"{Key}: DecoderLayerOperator needs a decoder layer module");

    public override void Bind(OperatorBinder binder)
    {
        _inNorm = binder.OperatorFor<INormOperator>(_layer.InputLayerNorm);
        _attn = binder.OperatorFor<IAttentionOperator>(_layer.SelfAttn);
        _postNorm = binder.OperatorFor<INormOperator>(_layer.PostAttentionLayerNorm);
        _mlp = binder.OperatorFor<IFeedForwardOperator>(_layer.Mlp);
    }

    public void Forward(ForwardContext ctx, float* x, int n)
    {
        int hidden = Config.HiddenSize;
        long count = (long)n * hidden;
        float* h = ctx.Scratch.Alloc<float>(count);
        float* o = ctx.Scratch.Alloc<float>(count);
        var xs = new Span<float>(x, (int)count);
        _inNorm.Forward(ctx, x, n, h);
        _attn.Forward(ctx, _layer.Layer, h, n, o);
        TensorPrimitives.Add(xs, new ReadOnlySpan<float>(o, (int)count), xs);
        _postNorm.Forward(ctx, x, n, h);
        _mlp.Forward(ctx, h, n, o);
        TensorPrimitives.Add(xs, new ReadOnlySpan<float>(o, (int)count), xs);
    }
}
