using ILGPU;
using NativeInfer.Gpu.Devices;
using NativeInfer.Models.Modules;

namespace NativeInfer.Gpu.Decode;

/// <summary>A dense MLP on the device, MlpOperator's down(silu(gate x) ⊙ up x): DeepSeek's dense layers and shared experts.</summary>
internal sealed class DeviceMlp
{
    private readonly IGpuDevice _device;
    private readonly DeviceLinear _gate, _up, _down;
    private readonly ArrayView<float> _g, _u;

    public DeviceMlp(DeviceTensors tensors, Mlp module, GpuLinearPrecision precision)
    {
        _device = tensors.Device;
        _gate = new DeviceLinear(tensors, module.GateProj, precision);
        _up = new DeviceLinear(tensors, module.UpProj, precision);
        _down = new DeviceLinear(tensors, module.DownProj, precision);
        _g = tensors.Allocate<float>(_gate.Out);
        _u = tensors.Allocate<float>(_up.Out);
    }

    public void Forward(ArrayView<float> x, ArrayView<float> y)
    {
        _gate.Forward(_device, x, _g);
        _up.Forward(_device, x, _u);
        _device.Kernels.SiluMul.Launch(_device.Stream, _g, _u, _gate.Out);
        _down.Forward(_device, _g, y);
    }
}

/// <summary>A dense layer's feed-forward block (DeepSeek's first_k_dense layers, dense Qwen layers): entirely on the device.</summary>
internal sealed class DeviceDenseFeedForward(DeviceMlp mlp) : IDeviceFeedForward
{
    public void Forward(DecodeWorkspace w, int position) => mlp.Forward(w.Normed, w.Branch);
}
