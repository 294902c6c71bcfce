using ILGPU;
using NativeInfer.Gguf;
using NativeInfer.Gpu.Devices;
using NativeInfer.Models.Modules;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// One Linear module on the device for one token: y [Out] = x [In] · Wᵀ (+ bias), the bias f32. W is kept as
/// <see cref="GpuLinearPlacement.Choose"/> decides: f16 or f32 (the dense kernels, f32 activations), or Marlin int4
/// (a Q4_0 weight whose shape meets the tiles): then x is converted to f16 into a staging buffer, the int4 GEMM
/// writes f16 into another, and that is converted back to f32 — all queued on the device's one stream, with buffers
/// made at load, so a step allocates nothing.
/// </summary>
internal sealed class DeviceLinear
{
    private readonly GpuLinearStorage _storage;
    private readonly ArrayView<ushort> _half;
    private readonly ArrayView<float> _single;
    private readonly MarlinWeights? _marlin;
    private readonly ArrayView<ushort> _xHalf, _yHalf;   // the GEMM's f16 A [In] and C [Out]
    private readonly ArrayView<float>? _bias;

    public DeviceLinear(DeviceTensors tensors, Linear module, GpuLinearPrecision precision)
    {
        In = module.InFeatures;
        Out = module.OutFeatures;
        string weight = module.GgufBase + ".weight";
        GgmlType type = tensors.Tensor(weight).Type;
        (_storage, string reason) = GpuLinearPlacement.Choose(precision, type, Out, In);
        switch (_storage)
        {
            case GpuLinearStorage.MarlinInt4:
                _marlin = tensors.MarlinQ4_0(weight, Out, In);
                _xHalf = tensors.Allocate<ushort>(In);
                _yHalf = tensors.Allocate<ushort>(Out);
                break;
            case GpuLinearStorage.F16:
                _half = tensors.MatrixF16(weight, Out, In);
                break;
            default:
                _single = tensors.MatrixF32(weight, Out, In);
                break;
        }
        if (module.HasBias) _bias = tensors.Vector(module.GgufBase + ".bias", Out);
        tensors.Placements.Add(new GpuLinearPlacement(module.Path, weight, type, Out, In, _storage, reason));
    }

    public int In { get; }
    public int Out { get; }

    public GpuLinearStorage Storage => _storage;

    public void Forward(IGpuDevice device, ArrayView<float> x, ArrayView<float> y)
    {
        var k = device.Kernels;
        switch (_storage)
        {
            case GpuLinearStorage.MarlinInt4:
                k.HalfConvert.ToHalf(device.Stream, x, _xHalf, In);
                device.MarlinGemm(_marlin!, _xHalf, _yHalf, 1);
                k.HalfConvert.ToFloat(device.Stream, _yHalf, y, Out);
                if (_bias is { } b) k.ResidualAdd.Launch(device.Stream, y, b, Out);
                break;
            case GpuLinearStorage.F16:
                k.DenseF16.Launch(device.Stream, _half, _bias, x, y, 1, Out, In);
                break;
            default:
                k.DenseF32.Launch(device.Stream, _single, _bias, x, y, 1, Out, In);
                break;
        }
    }
}
