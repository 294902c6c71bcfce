using System.Numerics.Tensors;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>y = x · w / sqrt(mean(x²) + eps), per row (as ggml: the sum of squares in double).</summary>
[Operator("RMSNorm", Aliases = ["ktransformers.operators.layernorm.RMSNorm", "ktransformers.operators.layernorm.KQwen2MoeRMSNorm",
                             "ktransformers.operators.layernorm.KQwen3MoeRMSNorm"],
          Modules = [typeof(RMSNorm)], IsDefault = true)]
public sealed unsafe class RmsNormOperator : InjectedOperator, INormOperator
{
    private readonly RMSNorm _norm;
    private float* _weight;
    private float[]? _converted; // an F16/BF16 weight as float32 (pinned), kept as long as the operator

    public RmsNormOperator(OperatorContext context) : base(context) =>
        _norm = context.Module as RMSNorm ?? throw new ModelLoadException($"{Key}: RmsNormOperator needs an RMSNorm module");

    public int Dim => _norm.Dim;

    public override void Bind(OperatorBinder binder)
    {
        WeightTensor w = binder.Tensor(_norm, "weight");
        _weight = VectorWeight.Bind(w, Key, "norm weight", ref _converted);
    }

    public void Forward(ForwardContext ctx, float* x, int n, float* y) => Apply(x, n, Dim, _norm.Eps, _weight, y);

    internal static void Apply(float* x, int n, int dim, float eps, float* weight, float* y)
    {
        var w = new ReadOnlySpan<float>(weight, dim);
        for (int t = 0; t < n; t++)
        {
            var xt = new ReadOnlySpan<float>(x + (long)t * dim, dim);
            double sum = 0;
            for (int i = 0; i < dim; i++) sum += xt[i] * xt[i];
            float scale = 1.0f / MathF.Sqrt((float)(sum / dim) + eps);
            var yt = new Span<float>(y + (long)t * dim, dim);
            TensorPrimitives.Multiply(xt, scale, yt);
            TensorPrimitives.Multiply(yt, w, yt);
        }
    }
}
