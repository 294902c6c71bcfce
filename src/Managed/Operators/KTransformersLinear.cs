using System.Numerics.Tensors;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;

namespace NativeInfer.Operators;

/// <summary>
/// The Linear operator. Its generate_op (one token) and prefill_op (several) choose the kernel:
/// KLinearCPU — the native quantized matmul on the weights as stored (the default);
/// KLinearManaged — the managed f32 reference (weights dequantized once at bind, one dot per row);
/// KLinearMarlin — the CUDA int4 GEMM on the weights repacked at load (Q4_0 losslessly with group 32,
/// F16/BF16 quantized with group 128; needs a CUDA device, K % 128 == 0 and N % 64 == 0; see docs/cuda.md).
/// KTransformers' KLinearTorch and KLinearCPUInfer are accepted as KLinearCPU, its VLinearMarlin as
/// KLinearMarlin; KLinearFP8 (FP8 weights of DeepSeek-V3's own checkpoint) is refused: GGUF files hold no
/// FP8 tensors and there is no FP8 kernel.
/// </summary>
public sealed unsafe class KTransformersLinear : InjectedOperator, ILinearOperator, IDisposable
{
    public const string CpuOp = "KLinearCPU", ManagedOp = "KLinearManaged", MarlinOp = "KLinearMarlin";

    private readonly Linear _linear;
    private WeightTensor _w;
    private WeightTensor? _bias;
    private float* _biasValues;        // the bias as float32: in the file (F32) or _convertedBias
    private float[]? _convertedBias;   // an F16/BF16 bias converted at bind time (pinned)
    private float[]? _dense;  // KLinearManaged: [Out][In]
    private bool _generateManaged, _prefillManaged;
    private readonly bool _generateMarlin, _prefillMarlin;
    private Cuda.MarlinInt4Matrix? _marlin;    // KLinearMarlin: the weights repacked on the GPU
    private readonly Lock _marlinGate = new();  // one GPU call at a time per matrix (it owns one stream)

    public KTransformersLinear(OperatorContext context) : base(context)
    {
        _linear = context.Module as Linear ?? throw new ModelLoadException($"{Key}: KTransformersLinear needs a Linear module, got {context.Module.ClassName}");
        _generateManaged = ResolveOp(context.GenerateOp) == ManagedOp;
        _prefillManaged = ResolveOp(context.PrefillOp) == ManagedOp;
        _generateMarlin = ResolveOp(context.GenerateOp) == MarlinOp;
        _prefillMarlin = ResolveOp(context.PrefillOp) == MarlinOp;
    }

    /// <summary>Canonical op name for a name a rule may use; throws for unknown names.</summary>
    public static string ResolveOp(string? op) => op switch
    {
        null or "" or CpuOp or "KLinearTorch" or "KLinearCPUInfer" => CpuOp,
        ManagedOp => ManagedOp,
        MarlinOp or "VLinearMarlin" => MarlinOp,
        "KLinearFP8" => throw new ArgumentException(
            "linear op 'KLinearFP8' multiplies FP8 weights (DeepSeek-V3's own FP8 checkpoint); GGUF files hold no FP8 tensors and " +
            $"NativeInfer has no FP8 kernel: use {MarlinOp} (CUDA) or {CpuOp}"),
        _ => throw new ArgumentException($"unknown linear op '{op}' (known: {CpuOp}, {ManagedOp}, {MarlinOp}, KLinearTorch, KLinearCPUInfer, VLinearMarlin)"),
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
            _biasValues = VectorWeight.Bind(_bias.Value, Key, "bias", ref _convertedBias);
        }
        if (_generateManaged || _prefillManaged) _dense = Dequantize(_w);
        if (_generateMarlin || _prefillMarlin) _marlin = UploadMarlin();
    }

    // Q4_0 repacks losslessly (group 32); F16/BF16 are quantized to int4 with group 128.
    private Cuda.MarlinInt4Matrix UploadMarlin()
    {
        Runtime.Device device = _generateMarlin ? Context.GenerateDevice : Context.PrefillDevice;
        if (_w.Type is not (NiType.Q4_0 or NiType.F16 or NiType.BF16))
            throw new ModelLoadException($"{Key}: KLinearMarlin needs Q4_0, F16 or BF16 weights; {_w.Name} is {_w.Type} ({Context.RuleLocation})");
        if (In % 128 != 0 || Out % 64 != 0)
            throw new ModelLoadException($"{Key}: KLinearMarlin needs K a multiple of 128 and N a multiple of 64; {_w.Name} is {In}→{Out} ({Context.RuleLocation})");
        var bytes = new ReadOnlySpan<byte>(_w.Pointer, checked((int)(_w.RowBytes * _w.Rows)));
        return Cuda.MarlinInt4Matrix.Upload(Cuda.CudaDevice.Get(device.Index), _w.Type, bytes, Out, In, _w.Type == NiType.Q4_0 ? 32 : 128);
    }

    public override long DecodeBytes => _w.IsNull ? 0 : _w.RowBytes * _w.Rows + (_linear.HasBias ? Out * 4L : 0);

    public void Forward(ForwardContext ctx, float* x, int n, float* y)
    {
        bool managed = n == 1 ? _generateManaged : _prefillManaged;
        if (n == 1 ? _generateMarlin : _prefillMarlin)
        {
            // Until the whole decode path lives on the GPU, activations cross the bus per call.
            lock (_marlinGate) _marlin!.Multiply(new ReadOnlySpan<float>(x, n * In), new Span<float>(y, n * Out), n);
        }
        else if (managed) ForwardManaged(x, n, y);
        else ctx.Pool.MatMul(_w.Type, _w.Pointer, (nuint)_w.RowBytes, x, (nuint)(In * 4), y, (nuint)(Out * 4), n, Out, In);
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

    public void Dispose() => _marlin?.Dispose();

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
