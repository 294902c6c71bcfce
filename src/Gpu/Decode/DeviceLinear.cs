using ILGPU;
using NativeInfer.Gpu.Devices;
using NativeInfer.Models.Modules;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// One Linear module on the device: y [m][Out] = x [m][In] · Wᵀ (+ bias), W f16 or f32 as chosen, the bias f32.
/// (Marlin int4 is for quantized linears whose shapes meet its tiling; the tiny models' are not, and an f32
/// file has nothing to quantize, so this phase keeps every linear dense.)
/// </summary>
internal sealed class DeviceLinear
{
    private readonly ArrayView<ushort> _half;
    private readonly ArrayView<float> _single;
    private readonly ArrayView<float>? _bias;
    private readonly bool _isHalf;

    public DeviceLinear(DeviceTensors tensors, Linear module, GpuLinearPrecision precision)
    {
        In = module.InFeatures;
        Out = module.OutFeatures;
        string weight = module.GgufBase + ".weight";
        _isHalf = precision == GpuLinearPrecision.F16;
        if (_isHalf) _half = tensors.MatrixF16(weight, Out, In);
        else _single = tensors.MatrixF32(weight, Out, In);
        if (module.HasBias) _bias = tensors.Vector(module.GgufBase + ".bias", Out);
    }

    public int In { get; }
    public int Out { get; }

    public void Forward(IGpuDevice device, ArrayView<float> x, ArrayView<float> y, int m = 1)
    {
        if (_isHalf) device.Kernels.DenseF16.Launch(device.Stream, _half, _bias, x, y, m, Out, In);
        else device.Kernels.DenseF32.Launch(device.Stream, _single, _bias, x, y, m, Out, In);
    }
}
