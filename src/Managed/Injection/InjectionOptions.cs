using NativeInfer.Tensors;

namespace NativeInfer.Injection;

/// <summary>How rules are applied.</summary>
public sealed record InjectionOptions
{
    /// <summary>Device of modules no rule places (and of "default" without device kwargs).</summary>
    public Device DefaultDevice { get; init; } = Device.Cpu;

    /// <summary>
    /// Run modules a rule puts on a CUDA device on the CPU instead of failing when CUDA is unavailable
    /// (KLinearMarlin becomes KLinearCPU). Off by default: a GPU rule never silently runs on the CPU.
    /// </summary>
    public bool FallbackToCpu { get; init; }

    /// <summary>The operators rules may name; add user operators here or name them by assembly-qualified type.</summary>
    public OperatorRegistry Operators { get; init; } = OperatorRegistry.CreateDefault();

    /// <summary>Whether a device can run operators (default: ask the CUDA driver through libnativeinfer_cuda).</summary>
    public Func<Device, (bool Available, string Reason)> DeviceProbe { get; init; } = CudaDeviceProbe.Probe;

    /// <summary>
    /// A GPU backend that runs whole modules on a CUDA device (NativeInfer.Gpu's decode path). With one, CUDA devices
    /// are probed through it, and a module placed on CUDA runs there when it takes the module (the explain table names
    /// it) and fails at planning with its reason when not. Null (the default): only operators with a CUDA op of their
    /// own (KLinearMarlin) run on a GPU.
    /// </summary>
    public IGpuPlacement? Gpu { get; init; }

    internal (bool Available, string Reason) ProbeDevice(Device device) =>
        device.IsCpu || Gpu is null ? DeviceProbe(device) : Gpu.Probe(device);
}
