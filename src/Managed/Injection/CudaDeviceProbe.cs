using NativeInfer.Cuda;
using NativeInfer.Tensors;

namespace NativeInfer.Injection;

/// <summary>The default device probe: a CUDA device is usable when the driver reports it and it can run the int4 GEMM.</summary>
public static class CudaDeviceProbe
{
    public static (bool Available, string Reason) Probe(Device device)
    {
        if (device.IsCpu) return (true, "");
        CudaAvailability a = CudaDevice.Availability;
        if (!a.IsAvailable) return (false, a.Reason);
        if (device.Index >= a.DeviceCount) return (false, $"there are {a.DeviceCount} CUDA device(s); {device} does not exist");
        CudaDevice d = CudaDevice.Get(device.Index);
        return d.SupportsMarlin ? (true, "") : (false, $"{d.Name} (compute capability {d.ComputeCapability}) is older than the int4 GEMM needs (8.0)");
    }
}
