using System.Runtime.CompilerServices;
using NativeInfer.Tensors;

namespace NativeInfer.Gpu.Devices;

/// <summary>Opens the device a rule's cuda:N names: the real one, or its emulation.</summary>
public static class GpuDevices
{
    /// <summary>
    /// cuda:N on the GPU, or (with <paramref name="emulate"/>) on ILGPU's CPU accelerator.
    /// <see cref="GpuUnavailableException"/> with a one-line reason when it cannot be had.
    /// </summary>
    public static IGpuDevice Open(Device device, bool emulate = false)
    {
        if (device.Kind != DeviceKind.Cuda) throw new ArgumentException($"{device} is not a CUDA device", nameof(device));
        return emulate ? EmulatedGpuDevice.Open(device.Index) : CudaGpuDevice.Open(device.Index);
    }

    /// <summary>ILGPU emits and compiles code at run time: a NativeAOT process cannot use it.</summary>
    internal static void RequireDynamicCode(Device device)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
            throw new GpuUnavailableException(GpuUnavailableReason.NoDynamicCode,
                $"{device}: the GPU path needs a JIT (ILGPU compiles its kernels at run time) and this process is NativeAOT-compiled; " +
                "use the CPU rules, or run the JIT build of the program");
    }
}
