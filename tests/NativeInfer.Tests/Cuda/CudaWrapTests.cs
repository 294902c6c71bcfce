using NativeInfer.Cuda;
using NativeInfer.Interop;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cuda;

/// <summary>
/// ni_cuda_buffer_wrap / ni_cuda_stream_wrap through the interop: argument errors are caught before CUDA is asked
/// anything, and without a device the calls say so. (The host checks and the GEMM on wrapped addresses are in
/// native/tests/test_cuda_wrap.cpp; wrapping real ILGPU memory needs a GPU — CudaGpuDevice and the device script.)
/// </summary>
public class CudaWrapTests
{
    [Test]
    public void BufferWrap_BadArguments_AreInvalidArgumentsNamingThem()
    {
        CudaRequirement.Library();
        Assert.That(CudaNativeMethods.BufferWrap(0, 0, 64, out SafeCudaBufferHandle h1), Is.EqualTo(NiStatus.InvalidArgument));
        Assert.That(h1.IsInvalid);
        Assert.That(NiException.CudaLastErrorMessage(), Does.Contain("ni_cuda_buffer_wrap: device_pointer is null"));
        Assert.That(CudaNativeMethods.BufferWrap(0, 0x10000, 0, out SafeCudaBufferHandle _), Is.EqualTo(NiStatus.InvalidArgument));
        Assert.That(NiException.CudaLastErrorMessage(), Does.Contain("bytes must be > 0"));
        Assert.That(CudaNativeMethods.BufferWrap(-1, 0x10000, 64, out SafeCudaBufferHandle _), Is.EqualTo(NiStatus.InvalidArgument));
        Assert.That(CudaNativeMethods.StreamWrap(0, 0, out SafeCudaStreamHandle s1), Is.EqualTo(NiStatus.InvalidArgument));
        Assert.That(s1.IsInvalid);
        Assert.That(NiException.CudaLastErrorMessage(), Does.Contain("cuda_stream is null"));
    }

    [Test]
    public void Wrap_WithoutDevice_IsUnavailable()
    {
        CudaRequirement.Library();
        if (CudaDevice.Availability.IsAvailable) Assert.Ignore("a CUDA device is present; this test covers machines without one");
        Assert.That(CudaNativeMethods.BufferWrap(0, 0x10000, 64, out SafeCudaBufferHandle _), Is.EqualTo(NiStatus.Unavailable));
        Assert.That(NiException.CudaLastErrorMessage(), Does.StartWith("ni_cuda_buffer_wrap: "));
        Assert.That(CudaNativeMethods.StreamWrap(0, 0x10000, out SafeCudaStreamHandle _), Is.EqualTo(NiStatus.Unavailable));
        Assert.That(NiException.CudaLastErrorMessage(), Does.Contain("driver").Or.Contain("device"));
    }
}
