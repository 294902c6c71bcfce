using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>
/// The CUDA section of the C ABI (the <c>ni_cuda_</c> entry points of native/include/nativeinfer.h), which
/// live in a second library, libnativeinfer_cuda. It is built only where CMake found a CUDA toolkit, so the
/// first call may throw <see cref="NativeLibraryNotFoundException"/>; it links the CUDA runtime statically
/// and loads on machines without a GPU, where device calls return <see cref="NiStatus.Unavailable"/>.
/// Failures are explained by <see cref="LastError"/> (not <see cref="NativeMethods.LastError"/>): use
/// <see cref="NiException.ThrowIfCudaFailed"/>.
/// </summary>
public static unsafe partial class CudaNativeMethods
{
    /// <summary>Name the resolver maps to the platform's file (libnativeinfer_cuda.so on Linux).</summary>
    public const string LibraryName = "nativeinfer_cuda";

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_abi_version")]
    public static partial uint GetAbiVersion();

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_last_error")]
    public static partial byte* LastError();

    // ------------------------------------------------------------------ devices

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_device_count")]
    public static partial NiStatus DeviceCount(int* count);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_device_get_info")]
    public static partial NiStatus DeviceGetInfo(int device, NiCudaDeviceInfo* info);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_get_versions")]
    public static partial NiStatus GetVersions(int* runtimeVersion, int* driverVersion);

    // ------------------------------------------------------------------ memory and streams

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_malloc")]
    public static partial NiStatus Malloc(int device, nuint bytes, out SafeCudaBufferHandle buffer);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_free")]
    public static partial NiStatus Free(nint buffer);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_buffer_get_info")]
    public static partial NiStatus BufferGetInfo(SafeCudaBufferHandle buffer, nuint* bytes, int* device, void** devicePointer);

    /// <summary>A handle for device memory another CUDA library owns (ILGPU's MemoryBuffer.NativePtr); freeing the handle leaves the memory alone.</summary>
    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_buffer_wrap")]
    public static partial NiStatus BufferWrap(int device, nint devicePointer, nuint bytes, out SafeCudaBufferHandle buffer);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_memcpy_to_device")]
    public static partial NiStatus MemcpyToDevice(SafeCudaStreamHandle stream, SafeCudaBufferHandle dst, nuint dstOffset, void* src, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_memcpy_to_host")]
    public static partial NiStatus MemcpyToHost(SafeCudaStreamHandle stream, void* dst, SafeCudaBufferHandle src, nuint srcOffset, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_stream_create")]
    public static partial NiStatus StreamCreate(int device, out SafeCudaStreamHandle stream);

    /// <summary>A handle for a cudaStream_t another CUDA library owns (ILGPU's CudaStream.StreamPtr); destroying the handle leaves the stream alone.</summary>
    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_stream_wrap")]
    public static partial NiStatus StreamWrap(int device, nint cudaStream, out SafeCudaStreamHandle stream);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_stream_destroy")]
    public static partial NiStatus StreamDestroy(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_stream_synchronize")]
    public static partial NiStatus StreamSynchronize(SafeCudaStreamHandle stream);

    // ------------------------------------------------------------------ Marlin int4 GEMM

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_marlin_packed_size")]
    public static partial NiStatus MarlinPackedSize(long n, long k, long groupSize, nuint* weightBytes, nuint* scaleBytes);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_marlin_repack")]
    public static partial NiStatus MarlinRepack(int wType, void* w, nuint wRowStride, long n, long k, long groupSize, void* outWeights, void* outScales);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_marlin_unpack")]
    public static partial NiStatus MarlinUnpack(void* weights, void* scales, long n, long k, long groupSize, byte* qOut, ushort* scalesOut);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_marlin_workspace_size")]
    public static partial NiStatus MarlinWorkspaceSize(long n, nuint* bytes);

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_marlin_gemm")]
    public static partial NiStatus MarlinGemm(SafeCudaStreamHandle stream,
        SafeCudaBufferHandle c, nuint cOffset, nuint cRowStride,
        SafeCudaBufferHandle a, nuint aOffset, nuint aRowStride,
        SafeCudaBufferHandle b, nuint bOffset,
        SafeCudaBufferHandle scales, nuint scalesOffset,
        SafeCudaBufferHandle workspace,
        long m, long n, long k, long groupSize);

    // ------------------------------------------------------------------ ABI self-description

    [LibraryImport(LibraryName, EntryPoint = "ni_cuda_abi_struct_layout")]
    public static partial NiStatus AbiStructLayout(int which, int fieldIndex, nuint* size, nuint* offset);
}
