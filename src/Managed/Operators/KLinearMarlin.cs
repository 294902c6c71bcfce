using NativeInfer.Interop;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// The CUDA int4 GEMM on the weights repacked at bind: Q4_0 losslessly with group 32, F16/BF16 quantized
/// to int4 with group 128. Needs a CUDA device, K % 128 == 0 and N % 64 == 0 (docs/cuda.md). What runs
/// whenever a rule places a linear phase on a CUDA device, as in KTransformers.
/// </summary>
[PhaseOp("KLinearMarlin", typeof(KTransformersLinear), Aliases = ["VLinearMarlin"], Devices = OperatorDevices.Cuda)]
public sealed unsafe class KLinearMarlin : ILinearImplementation, IDisposable
{
    private readonly Cuda.MarlinInt4Matrix _marlin;
    private readonly int _in, _out;
    private readonly Lock _gate = new();  // one GPU call at a time per matrix (it owns one stream)

    public KLinearMarlin(LinearBinding binding)
    {
        WeightTensor w = binding.Weight;
        (_in, _out) = (binding.In, binding.Out);
        string key = binding.Context.Key, where = binding.Context.RuleLocation;
        if (w.Type is not (NiType.Q4_0 or NiType.F16 or NiType.BF16))
            throw new ModelLoadException($"{key}: KLinearMarlin needs Q4_0, F16 or BF16 weights; {w.Name} is {w.Type} ({where})");
        if (_in % 128 != 0 || _out % 64 != 0)
            throw new ModelLoadException($"{key}: KLinearMarlin needs K a multiple of 128 and N a multiple of 64; {w.Name} is {_in}→{_out} ({where})");
        var bytes = new ReadOnlySpan<byte>(w.Pointer, checked((int)(w.RowBytes * w.Rows)));
        _marlin = Cuda.MarlinInt4Matrix.Upload(Cuda.CudaDevice.Get(binding.Device.Index), w.Type, bytes, _out, _in, w.Type == NiType.Q4_0 ? 32 : 128);
    }

    public void Multiply(ForwardContext ctx, float* x, int n, float* y)
    {
        // Until the whole decode path lives on the GPU, activations cross the bus per call.
        lock (_gate) _marlin.Multiply(new ReadOnlySpan<float>(x, n * _in), new Span<float>(y, n * _out), n);
    }

    public void Dispose() => _marlin.Dispose();
}
