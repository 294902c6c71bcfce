namespace NativeInfer.Gpu.Devices;

/// <summary>Why a GPU device could not be opened.</summary>
public enum GpuUnavailableReason
{
    /// <summary>The process runs without a JIT (NativeAOT): ILGPU compiles kernels at run time and cannot work.</summary>
    NoDynamicCode,

    /// <summary>libnativeinfer_cuda was not built (no CUDA toolkit when native/ was built).</summary>
    LibraryMissing,

    /// <summary>No NVIDIA driver, a driver too old, or no (such) device.</summary>
    NoDevice,
}

/// <summary>
/// A GPU device cannot be used here; the message is one line saying what is missing (the CPU path is unaffected).
/// </summary>
public sealed class GpuUnavailableException(GpuUnavailableReason reason, string message) : Exception(message)
{
    public GpuUnavailableReason Reason { get; } = reason;
}
