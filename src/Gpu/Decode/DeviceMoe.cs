using System.Runtime.InteropServices;
using ILGPU;
using NativeInfer.Config;
using NativeInfer.Gpu.Devices;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// A MoE block in the hybrid placement (KTransformers' rules: routed experts on the CPU, the rest on the GPU):
/// the router on the device (logits by an f32 gate, then <see cref="RouterKernel"/>: softmax or sigmoid, V3's
/// selection bias and groups), ONE download of [norm(x) | weights | ids] from one exchange buffer, the routed
/// experts on the CPU through the model's experts operator, ONE upload of their sum, then the shared experts on
/// the device added to it (Qwen2-MoE's scaled by sigmoid of its gate).
/// </summary>
internal sealed class DeviceMoe : IDeviceFeedForward
{
    private readonly IGpuDevice _device;
    private readonly MoeConfig _moe;
    private readonly int _hidden, _k;
    private readonly ArrayView<float> _gate, _logits, _routerScratch, _exchange, _shared, _sharedGateValue;
    private readonly ArrayView<float>? _bias;
    private readonly ArrayView<int> _flags;
    private readonly IExpertsOperator _experts;
    private readonly HostExperts _host;
    private readonly DeviceMlp? _sharedMlp;
    private readonly DeviceLinear? _sharedGate;
    private readonly float[] _hostExchange, _hostOutput;

    public DeviceMoe(DeviceTensors tensors, SparseMoeBlock block, ModelConfig config, IExpertsOperator experts, HostExperts host,
                     GpuLinearPrecision precision)
    {
        _device = tensors.Device;
        _moe = block.Moe;
        _hidden = config.HiddenSize;
        _k = _moe.ExpertsPerToken;
        _experts = experts;
        _host = host;
        int e = _moe.NumExperts;
        string gateName, gatePath;
        switch (block)
        {
            case DeepseekMoEBlock d:
                (gateName, gatePath) = (d.Gate.Weights[0].GgufName, d.Gate.Path);
                if (d.Gate.HasSelectionBias) _bias = tensors.Vector(d.Gate.Weights[1].GgufName, e);
                if (d.SharedExperts is { } se) _sharedMlp = new DeviceMlp(tensors, se, precision);
                break;
            case Qwen2MoeSparseMoeBlock q:
                (gateName, gatePath) = (q.Gate.GgufBase + ".weight", q.Gate.Path);
                if (q.SharedExpert is { } qs) _sharedMlp = new DeviceMlp(tensors, qs, precision);
                if (q.SharedExpertGate is { } g) _sharedGate = new DeviceLinear(tensors, g, precision);
                break;
            case LinearRoutedMoeBlock m:
                (gateName, gatePath) = (m.Gate.GgufBase + ".weight", m.Gate.Path);
                break;
            default:
                throw new GpuDecodeNotSupportedException($"{block.Path}: no GPU routing for {block.ClassName}");
        }
        if (_moe.SelectionBias && _bias is null)
            throw new GpuDecodeNotSupportedException($"{block.Path}: the config routes with a selection bias but {block.ClassName} has none");
        _gate = tensors.MatrixF32(gateName, e, _hidden);
        tensors.Placements.Add(new GpuLinearPlacement(gatePath, gateName, tensors.Tensor(gateName).Type, e, _hidden, GpuLinearStorage.F32,
            "the router's logits choose experts: always f32"));
        _logits = tensors.Allocate<float>(e);
        _routerScratch = tensors.Allocate<float>(RouterKernel.ScratchFloatsPerToken(_moe));
        _flags = tensors.Allocate<int>(e);
        _exchange = tensors.Allocate<float>(_hidden + 2L * _k);
        _shared = tensors.Allocate<float>(_hidden);
        _sharedGateValue = tensors.Allocate<float>(1);
        _hostExchange = new float[_hidden + 2 * _k];
        _hostOutput = new float[_hidden];
    }

    public void Forward(DecodeWorkspace w, int position)
    {
        var kernels = _device.Kernels;
        var stream = _device.Stream;
        int e = _moe.NumExperts;
        ArrayView<float> weights = _exchange.SubView(_hidden, _k);
        ArrayView<int> ids = _exchange.SubView(_hidden + _k, _k).Cast<int>();
        kernels.RowCopy.Launch(stream, w.Normed, _hidden, _exchange, _hidden, 1, _hidden);
        kernels.DenseF32.Launch(stream, _gate, null, w.Normed, _logits, 1, e, _hidden);
        kernels.Router.Launch(stream, _moe, _logits, 1, _bias, ids, weights, _routerScratch, _flags);

        _device.Download(_exchange, _hostExchange);
        ReadOnlySpan<float> exchange = _hostExchange;
        _host.Run(_experts, position, exchange[.._hidden], MemoryMarshal.Cast<float, int>(exchange.Slice(_hidden + _k, _k)),
            exchange.Slice(_hidden, _k), _hostOutput);
        _device.Upload<float>(_hostOutput, w.Branch);

        if (_sharedMlp is null) return;
        _sharedMlp.Forward(w.Normed, _shared);
        if (_sharedGate is not null)
        {
            _sharedGate.Forward(_device, w.Normed, _sharedGateValue);
            kernels.ResidualAdd.LaunchScaled(stream, w.Branch, _shared, 1, _hidden, _sharedGateValue, sigmoid: true);
        }
        else kernels.ResidualAdd.Launch(stream, w.Branch, _shared, _hidden);
    }
}
