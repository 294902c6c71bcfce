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
}
