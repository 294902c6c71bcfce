using System.Numerics.Tensors;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Tensors;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// A user operator, as docs/injection.md describes: y = scale · (W x + b) on the native matmul. A rule
/// names it by assembly-qualified type ("NativeInfer.Tests.Injection.ScaledLinear, NativeInfer.Tests");
/// the injector finds its options type through the public <see cref="Options"/> property and binds the
/// rule's kwargs to it; the runtime constructs it with the (OperatorContext) constructor and calls
/// <see cref="Bind"/> once every operator exists.
/// </summary>
public sealed unsafe class ScaledLinear : InjectedOperator, ILinearOperator
{
    private readonly Linear _linear;
    private WeightTensor _w;
    private float* _bias;

    public ScaledLinear(OperatorContext context) : base(context)
    {
        _linear = context.Module as Linear ?? throw new ModelLoadException($"ScaledLinear needs a Linear module, got {context.Module.ClassName}");
        Options = context.OptionsAs<ScaledLinearOptions>();
    }

    public ScaledLinearOptions Options { get; }

    public int In => _linear.InFeatures;
    public int Out => _linear.OutFeatures;

    public override void Bind(OperatorBinder binder)
    {
        _w = binder.Tensor(_linear, "weight");
        if (!_linear.HasBias) return;
        WeightTensor b = binder.Tensor(_linear, "bias");
        _bias = b.Type == NiType.F32 ? (float*)b.Pointer : throw new ModelLoadException($"{Key}: bias must be F32 (is {b.Type})");
    }

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        ctx.Pool.MatMul(_w.Type, _w.Pointer, (nuint)_w.RowBytes, x, (nuint)(In * 4), y, (nuint)(Out * 4), n, Out, In);
        for (int t = 0; t < n; t++)
        {
            var row = new Span<float>(y + (long)t * Out, Out);
            if (_bias != null) TensorPrimitives.Add(row, new ReadOnlySpan<float>(_bias, Out), row);
            TensorPrimitives.Multiply(row, Options.Scale, row);
        }
    }
}
