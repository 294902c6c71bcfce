using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NativeInfer.Cuda;
using NativeInfer.Interop;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cuda;

/// <summary>Device discovery and its failure reporting; runs with or without a GPU.</summary>
public unsafe class CudaDeviceTests
{
    [Test]
    public void Availability_ExplainsWhatIsMissing()
    {
        CudaAvailability a = CudaDevice.Availability;
        TestContext.Out.WriteLine(a.IsAvailable ? $"CUDA available: {a.DeviceCount} device(s), driver {a.DriverVersion}" : $"CUDA unavailable: {a.Reason}");
        if (a.IsAvailable)
        {
            Assert.That(a.DeviceCount, Is.GreaterThan(0));
            Assert.That(a.Reason, Is.Empty);
            Assert.That(CudaDevice.All, Has.Count.EqualTo(a.DeviceCount));
            foreach (CudaDevice d in CudaDevice.All)
            {
                Assert.That(d.Name, Is.Not.Empty);
                Assert.That(d.SmCount, Is.GreaterThan(0));
                Assert.That(d.TotalMemory, Is.GreaterThan(0));
            }
            return;
        }
        Assert.That(a.DeviceCount, Is.Zero);
        Assert.That(a.Reason, Does.Contain("driver").Or.Contain("device").Or.Contain("libnativeinfer_cuda"));
        Assert.That(a.Reason, Does.Not.Contain('\n'), "one line: it ends up inside one-line rule errors");
        Assert.That(CudaDevice.All, Is.Empty);
        var e = Assert.Throws<NiUnavailableException>(() => CudaDevice.Get(0))!;
        Assert.That(e.Message, Is.EqualTo(a.Reason));
    }

    [Test]
    public void Availability_WithoutTheLibrary_ReasonIsOneLine_DetailsListEveryPathSearched()
    {
        CudaRequirement.NoLibrary();
        CudaAvailability a = CudaDevice.Availability;
        Assert.That(a.IsAvailable, Is.False);
        Assert.That(a.Reason, Does.StartWith("libnativeinfer_cuda is not available: it is built only when CMake finds a CUDA toolkit (nvcc)"));
        Assert.That(a.Reason, Does.Not.Contain('\n'));
        IReadOnlyList<string> searched = NativeLibraryResolver.CandidatePaths(CudaNativeMethods.LibraryName);
        Assert.That(a.Reason, Does.Contain($"{searched.Count} places searched"));
        foreach (string path in searched)
        {
            Assert.That(a.Details, Does.Contain(path + ": not found"));
            Assert.That(a.Reason, Does.Not.Contain(path));
        }
        Assert.That(CudaDevice.ProbedAvailability, Is.SameAs(a));
        var e = Assert.Throws<NiUnavailableException>(CudaDevice.ThrowIfUnavailable)!;
        Assert.That(e.Message, Is.EqualTo(a.Reason));
    }

    [Test]
    public void DeviceCalls_WithoutDevice_ReturnUnavailableWithTheReason()
    {
        CudaRequirement.Library();
        if (CudaDevice.Availability.IsAvailable) Assert.Ignore("a CUDA device is present; this test covers machines without one");
        int count = -1;
        Assert.That(CudaNativeMethods.DeviceCount(&count), Is.EqualTo(NiStatus.Unavailable));
        Assert.That(count, Is.Zero);
        var e = Assert.Throws<NiUnavailableException>(() =>
            NiException.ThrowIfCudaFailed(CudaNativeMethods.Malloc(0, 1024, out SafeCudaBufferHandle _)))!;
        Assert.That(e.Message, Does.StartWith("ni_cuda_malloc: "));
        Assert.That(e.Message, Does.Contain("driver").Or.Contain("device"));
        int runtime, driver;
        NiException.ThrowIfCudaFailed(CudaNativeMethods.GetVersions(&runtime, &driver));
        Assert.That(runtime, Is.GreaterThanOrEqualTo(11000));
    }

    [Test]
    public void DeviceInfo_MatchesNativeLayout()
    {
        CudaRequirement.Library();
        Assert.That(CudaNativeMethods.GetAbiVersion(), Is.EqualTo(NativeMethods.AbiVersion));
        string[] fields = ["Device", "ComputeMajor", "ComputeMinor", "SmCount", "TotalMemory", "MemoryBandwidth", "MemoryClockKhz",
                           "MemoryBusWidth", "MaxSharedPerBlock", "MarlinSupported", "Name"];
        for (int i = 0; i < fields.Length; i++)
        {
            nuint size, offset;
            NiException.ThrowIfCudaFailed(CudaNativeMethods.AbiStructLayout((int)NiCudaAbiStruct.DeviceInfo, i, &size, &offset));
            Assert.That((long)size, Is.EqualTo(Marshal.SizeOf<NiCudaDeviceInfo>()), "sizeof ni_cuda_device_info");
            Assert.That((long)offset, Is.EqualTo((long)Marshal.OffsetOf<NiCudaDeviceInfo>(fields[i])), fields[i]);
        }
        nuint s, o;
        Assert.That(CudaNativeMethods.AbiStructLayout((int)NiCudaAbiStruct.DeviceInfo, fields.Length, &s, &o), Is.EqualTo(NiStatus.InvalidArgument));
        Assert.That(Unsafe.SizeOf<NiCudaDeviceInfo>(), Is.EqualTo(Marshal.SizeOf<NiCudaDeviceInfo>()));
    }

    [Test]
    public void Resolver_FindsCudaLibraryInTheRuntimesLayout()
    {
        CudaRequirement.Library();
        Assert.That(NativeLibraryResolver.LoadedPathOf(CudaNativeMethods.LibraryName), Does.EndWith("libnativeinfer_cuda.so"));
        Assert.That(File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libnativeinfer_cuda.so")),
            "the build copies libnativeinfer_cuda.so next to the managed assemblies");
    }

    [Test, NonParallelizable]
    public void Resolver_EnvironmentFileOverride_AppliesItsFolderToTheOtherLibrary()
    {
        string? before = Environment.GetEnvironmentVariable(NativeLibraryResolver.PathVariable);
        try
        {
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, "/opt/custom/libnativeinfer.so");
            Assert.That(NativeLibraryResolver.CandidatePaths(CudaNativeMethods.LibraryName)[0], Is.EqualTo("/opt/custom/libnativeinfer_cuda.so"));
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, "/opt/custom/libnativeinfer_cuda.so");
            Assert.That(NativeLibraryResolver.CandidatePaths(CudaNativeMethods.LibraryName)[0], Is.EqualTo("/opt/custom/libnativeinfer_cuda.so"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, before);
        }
    }
}
