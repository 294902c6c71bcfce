using ILGPU;
using NativeInfer.Config;
using NativeInfer.Gpu.Kernels;

namespace NativeInfer.Gpu.Decode;

/// <summary>The model's RoPE table for every cache position, computed on the host once and kept on the device.</summary>
internal sealed class DeviceRope
{
    public DeviceRope(DeviceTensors tensors, RopeConfig rope, int positions)
    {
        Table = RopeTable.Create(rope, positions);
        Cos = tensors.Upload(Table.Cos);
        Sin = tensors.Upload(Table.Sin);
    }

    public RopeTable Table { get; }
    public ArrayView<float> Cos { get; }
    public ArrayView<float> Sin { get; }
}
