using System.Numerics.Tensors;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;

namespace NativeInfer.Operators;

/// <summary>
/// The Linear operator. Its generate_op (one token) and prefill_op (several) choose the kernel:
/// KLinearCPU — the native quantized matmul on the weights as stored (the default);
/// KLinearManaged — the managed f32 reference (weights dequantized once at bind, one dot per row);
/// KLinearMarlin — the CUDA int4 kernel (needs a CUDA device; see docs/cuda.md).
/// KTransformers' KLinearTorch is accepted as KLinearCPU.
/// </summary>
public sealed unsafe class KTransformersLinear : InjectedOperator, ILinearOperator
{
    public const string CpuOp = "KLinearCPU", ManagedOp = "KLinearManaged", MarlinOp = "KLinearMarlin";

    private readonly Linear _linear;
    private WeightTensor _w;
    private WeightTensor? _bias;
    private float[]? _dense;  // KLinearManaged: [Out][In]
    private bool _generateManaged, _prefillManaged;

    public KTransformersLinear(OperatorContext context) : base(context)
    {
        _linear = context.Module as Linear ?? throw new ModelLoadException($"{Key}: KTransformersLinear needs a Linear module, got {context.Module.ClassName}");
        _generateManaged = ResolveOp(context.GenerateOp) == ManagedOp;
        _prefillManaged = ResolveOp(context.PrefillOp) == ManagedOp;
    }

    /// <summary>Canonical op name for a name a rule may use; throws for unknown names.</summary>
    public static string ResolveOp(string? op) => op switch
    {
        null or "" or CpuOp or "KLinearTorch" or "KLinearCPUInfer" => CpuOp,
        ManagedOp => ManagedOp,
        MarlinOp => MarlinOp,
        _ => throw new ArgumentException($"unknown linear op '{op}' (known: {CpuOp}, {ManagedOp}, {MarlinOp}, KLinearTorch)"),
    };

    public int In => _linear.InFeatures;
    public int Out => _linear.OutFeatures;

    public override void Bind(OperatorBinder binder)
    {
        // A tied head owns no tensor: it reads the embedding table (same shape as output.weight).
        _w = _linear is TiedLmHead
            ? binder.Weights.GetTensor("token_embd.weight")
            : binder.Tensor(_linear, _linear.Weights.Count > 0 ? _linear.Weights[0] : throw new ModelLoadException($"{Key}: no weight"));
        if (_linear.HasBias)
        {
            _bias = binder.Tensor(_linear, "bias");
            if (_bias.Value.Type != NiType.F32) throw new ModelLoadException($"{Key}: bias {_bias.Value.Name} must be F32 (is {_bias.Value.Type})");
        }
        if (_generateManaged || _prefillManaged) _dense = Dequantize(_w);
    }

    public override long DecodeBytes => _w.IsNull ? 0 : _w.RowBytes * _w.Rows + (_linear.HasBias ? Out * 4L : 0);

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        bool managed = n == 1 ? _generateManaged : _prefillManaged;
        if (managed) ForwardManaged(x, n, y);
        else ctx.Pool.MatMul(_w.Type, _w.Pointer, (nuint)_w.RowBytes, x, (nuint)(In * 4), y, (nuint)(Out * 4), n, Out, In);
        if (_bias is { } b)
        {
            var bias = new ReadOnlySpan<float>(b.Pointer, Out);
            for (int t = 0; t < n; t++)
            {
                var row = new Span<float>(y + (long)t * Out, Out);
                TensorPrimitives.Add(row, bias, row);
            }
        }
    }

    // The reference: y[t][r] = Σ_i W[r][i]·x[t][i] in f32 on exactly dequantized weights.
    private void ForwardManaged(float* x, int n, float* y)
    {
        float[] w = _dense!;
        for (int t = 0; t < n; t++)
        {
            var xt = new ReadOnlySpan<float>(x + (long)t * In, In);
            for (int r = 0; r < Out; r++) y[(long)t * Out + r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(w, r * In, In), xt);
        }
    }

    private static float[] Dequantize(WeightTensor w)
    {
        long rows = w.Rows, cols = w.Columns;
        var dense = new float[rows * cols];
        using var pool = Kernels.KernelPool.Create(1);
        fixed (float* d = dense)
            NiException.ThrowIfFailed(NativeMethods.DequantizeRows(pool.Handle, (int)w.Type, d, (nuint)(cols * 4), w.Pointer, (nuint)w.RowBytes, rows, cols));
        return dense;
    }
}
