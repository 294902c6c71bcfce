using NativeInfer.Cuda;
using NativeInfer.Interop;

namespace NativeInfer.Tests.Support;

/// <summary>
/// What a CUDA-dependent test needs, as an Assert.Ignore with the reason when the machine lacks it: the
/// library (built only when CMake found nvcc), a usable device, or — for tests of the error and fallback
/// paths — the absence of one.
/// </summary>
public static class CudaRequirement
{
    /// <summary>libnativeinfer_cuda loads (a device is not needed).</summary>
    public static void Library()
    {
        try
        {
            NativeLibraryResolver.Load(CudaNativeMethods.LibraryName);
        }
        catch (NativeLibraryNotFoundException e)
        {
            Assert.Ignore($"SKIPPED: libnativeinfer_cuda was not built (no CUDA toolkit when native/ was built): {e.Message}");
        }
    }

    /// <summary>libnativeinfer_cuda is absent (tests of what a machine without the CUDA build reports).</summary>
    public static void NoLibrary()
    {
        try
        {
            NativeLibraryResolver.Load(CudaNativeMethods.LibraryName);
        }
        catch (NativeLibraryNotFoundException)
        {
            return;
        }
        Assert.Ignore("SKIPPED: libnativeinfer_cuda is built here; this test checks a machine without it");
    }

    /// <summary>No usable CUDA device (tests of the "cuda:0 is not available" errors and the CPU fallback).</summary>
    public static void NoUsableDevice()
    {
        if (CudaDevice.Availability.IsAvailable)
            Assert.Ignore("SKIPPED: a CUDA device is usable here; this test checks what happens without one");
    }
}
