using System.Numerics.Tensors;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// The Linear operator: y = W x (+ b). Its generate_op (one token) and prefill_op (several) name the
/// implementation of the matmul, a [PhaseOp] class each: <see cref="KLinearCPU"/> (the default),
/// <see cref="KLinearManaged"/> (the f32 reference), <see cref="KLinearMarlin"/> (CUDA). Both are created
/// once, at bind; the bias is added here whichever runs.
/// </summary>
[Operator("KTransformersLinear", Aliases = ["ktransformers.operators.linear.KTransformersLinear"], Modules = [typeof(Linear)], IsDefault = true)]
[RefusedOp("KLinearFP8", "multiplies FP8 weights (DeepSeek-V3's own FP8 checkpoint); GGUF files hold no FP8 tensors and " +
                         "NativeInfer has no FP8 kernel: use KLinearMarlin (CUDA) or KLinearCPU")]
public sealed unsafe class KTransformersLinear : InjectedOperator, ILinearOperator, IDisposable
{
    private readonly Linear _linear;
    private readonly string _generateOp, _prefillOp;
    private WeightTensor _w;
    private WeightTensor? _bias;
    private float* _biasValues;        // the bias as float32: in the file (F32) or _convertedBias
    private float[]? _convertedBias;   // an F16/BF16 bias converted at bind time (pinned)
    private PhaseImplementations<ILinearImplementation> _impl;

    public KTransformersLinear(OperatorContext context) : base(context)
    {
        _linear = context.Module as Linear ?? throw new ModelLoadException($"{Key}: KTransformersLinear needs a Linear module, got {context.Module.ClassName}");
        _generateOp = PhaseOps.Resolve(typeof(KTransformersLinear), context.GenerateOp);
        _prefillOp = PhaseOps.Resolve(typeof(KTransformersLinear), context.PrefillOp);
    }

    public int In => _linear.InFeatures;
    public int Out => _linear.OutFeatures;

    public override void Bind(OperatorBinder binder)
    {
        // A tied head owns no tensor: it reads the embedding table (same shape as output.weight).
        _w = _linear is TiedLmHead
            ? binder.SharedTensor(_linear, "token_embd.weight")
            : binder.Tensor(_linear, _linear.Weights.Count > 0 ? _linear.Weights[0] : throw new ModelLoadException($"{Key}: no weight"));
        if (_linear.HasBias)
        {
            _bias = binder.Tensor(_linear, "bias");
            _biasValues = VectorWeight.Bind(_bias.Value, Key, "bias", ref _convertedBias);
        }
        // One implementation when both phases name the same op (KLinearMarlin then uploads once, to the generate device).
        var generate = PhaseOps.Create<ILinearImplementation>(typeof(KTransformersLinear), _generateOp, new LinearBinding(Context, _w, In, Out, Context.GenerateDevice));
        _impl = new(generate, _prefillOp == _generateOp
            ? generate
            : PhaseOps.Create<ILinearImplementation>(typeof(KTransformersLinear), _prefillOp, new LinearBinding(Context, _w, In, Out, Context.PrefillDevice)));
    }

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        _impl.For(n).Multiply(ctx, x, n, y);
        if (_bias is not null)
        {
            var bias = new ReadOnlySpan<float>(_biasValues, Out);
            for (int t = 0; t < n; t++)
            {
                var row = new Span<float>(y + (long)t * Out, Out);
                TensorPrimitives.Add(row, bias, row);
            }
        }
    }

    public void Dispose() => _impl.Dispose();
}
