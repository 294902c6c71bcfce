using NativeInfer.Interop;

namespace NativeInfer.Cuda;

/// <summary>
/// One CUDA device as libnativeinfer_cuda sees it. <see cref="Availability"/> says whether any can be used
/// (and why not); <see cref="All"/> lists them. Properties are read once, when the device is listed.
/// </summary>
public sealed class CudaDevice
{
    private static readonly Lazy<CudaAvailability> LazyAvailability = new(Probe);

    private CudaDevice(in NiCudaDeviceInfo info)
    {
        Index = info.Device;
        Name = info.NameString;
        ComputeCapability = new Version(info.ComputeMajor, info.ComputeMinor);
        SmCount = info.SmCount;
        TotalMemory = info.TotalMemory;
        MemoryBandwidth = info.MemoryBandwidth;
        MaxSharedMemoryPerBlock = info.MaxSharedPerBlock;
        SupportsMarlin = info.MarlinSupported != 0;
    }

    /// <summary>Index passed to the native calls.</summary>
    public int Index { get; }

    public string Name { get; }

    public Version ComputeCapability { get; }

    /// <summary>Streaming multiprocessors.</summary>
    public int SmCount { get; }

    /// <summary>Bytes of device memory.</summary>
    public long TotalMemory { get; }

    /// <summary>Peak memory bandwidth in bytes/s (2 × memory clock × bus width); 0 when the driver does not say.</summary>
    public long MemoryBandwidth { get; }

    /// <summary>Bytes of shared memory one block may opt in to.</summary>
    public int MaxSharedMemoryPerBlock { get; }

    /// <summary>The int4 GEMM runs here (compute capability 8.0 or newer).</summary>
    public bool SupportsMarlin { get; }

    /// <summary>Whether CUDA can be used in this process, and the reason when it cannot. Probed once.</summary>
    public static CudaAvailability Availability => LazyAvailability.Value;

    /// <summary>Every device; empty when CUDA is unavailable (see <see cref="Availability"/> for why).</summary>
    public static IReadOnlyList<CudaDevice> All =>
        Availability.IsAvailable ? Enumerable.Range(0, Availability.DeviceCount).Select(Get).ToList() : [];

    /// <summary>Device <paramref name="index"/>; <see cref="NiUnavailableException"/> with the reason when CUDA is unavailable.</summary>
    public static unsafe CudaDevice Get(int index)
    {
        ThrowIfUnavailable();
        NiCudaDeviceInfo info;
        NiException.ThrowIfCudaFailed(CudaNativeMethods.DeviceGetInfo(index, &info));
        return new CudaDevice(info);
    }

    /// <summary>Throws <see cref="NiUnavailableException"/> carrying <see cref="CudaAvailability.Reason"/> unless a device is usable.</summary>
    public static void ThrowIfUnavailable()
    {
        CudaAvailability a = Availability;
        if (!a.IsAvailable) throw new NiUnavailableException(NiStatus.Unavailable, a.Reason);
    }

    public override string ToString() =>
        $"{Index}: {Name} (sm_{ComputeCapability.Major}{ComputeCapability.Minor}, {SmCount} SMs, {TotalMemory / 1e9:F1} GB, {MemoryBandwidth / 1e9:F0} GB/s)";

    private static unsafe CudaAvailability Probe()
    {
        try
        {
            NativeLibraryResolver.Load(CudaNativeMethods.LibraryName);
        }
        catch (NativeLibraryNotFoundException e)
        {
            return new CudaAvailability(false,
                "libnativeinfer_cuda is not available: it is built only when CMake finds a CUDA toolkit (nvcc), " +
                $"and none was found when native/ was built (see docs/cuda.md). {e.Message.ReplaceLineEndings(" ")}", 0, 0, 0);  // errors built on it are one line
        }
        int runtime, driver, count;
        NiException.ThrowIfCudaFailed(CudaNativeMethods.GetVersions(&runtime, &driver));
        NiStatus status = CudaNativeMethods.DeviceCount(&count);
        return status == NiStatus.Ok
            ? new CudaAvailability(true, string.Empty, count, runtime, driver)
            : new CudaAvailability(false, NiException.CudaLastErrorMessage(), 0, runtime, driver);
    }
}
