using NativeInfer.Interop;

namespace NativeInfer.Cuda;

/// <summary>
/// Device memory owned through a SafeHandle (freed on dispose or finalization), zero-filled when allocated.
/// Copies go through a <see cref="CudaStream"/>: queued on it, so the host span must stay untouched until
/// the stream is synchronized (the span overloads here synchronize before returning).
/// </summary>
public sealed unsafe class CudaBuffer : IDisposable
{
    private CudaBuffer(SafeCudaBufferHandle handle, long length, int device)
    {
        Handle = handle;
        Length = length;
        DeviceIndex = device;
    }

    /// <summary>Allocates <paramref name="bytes"/> (&gt; 0) of zeroed memory on <paramref name="device"/>.</summary>
    public static CudaBuffer Allocate(CudaDevice device, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        NiException.ThrowIfCudaFailed(CudaNativeMethods.Malloc(device.Index, (nuint)bytes, out SafeCudaBufferHandle handle));
        return new CudaBuffer(handle, bytes, device.Index);
    }

    /// <summary>Bytes of device memory.</summary>
    public long Length { get; }

    public int DeviceIndex { get; }

    internal SafeCudaBufferHandle Handle { get; }

    /// <summary>The raw device pointer, for other CUDA code (valid while this buffer lives).</summary>
    public nint DevicePointer
    {
        get
        {
            void* p;
            NiException.ThrowIfCudaFailed(CudaNativeMethods.BufferGetInfo(Handle, null, null, &p));
            return (nint)p;
        }
    }

    /// <summary>Copies <paramref name="source"/> to byte <paramref name="offset"/> of the buffer and waits for the copy.</summary>
    public void Upload<T>(CudaStream stream, ReadOnlySpan<T> source, long offset = 0) where T : unmanaged
    {
        long bytes = (long)source.Length * sizeof(T);
        CheckRange(offset, bytes);
        fixed (T* p = source)
            NiException.ThrowIfCudaFailed(CudaNativeMethods.MemcpyToDevice(stream.Handle, Handle, (nuint)offset, p, (nuint)bytes));
        stream.Synchronize();
    }

    /// <summary>Copies bytes from <paramref name="offset"/> of the buffer into <paramref name="destination"/> and waits for the copy.</summary>
    public void Download<T>(CudaStream stream, Span<T> destination, long offset = 0) where T : unmanaged
    {
        long bytes = (long)destination.Length * sizeof(T);
        CheckRange(offset, bytes);
        fixed (T* p = destination)
            NiException.ThrowIfCudaFailed(CudaNativeMethods.MemcpyToHost(stream.Handle, p, Handle, (nuint)offset, (nuint)bytes));
        stream.Synchronize();
    }

    public void Dispose() => Handle.Dispose();

    private void CheckRange(long offset, long bytes)
    {
        if (offset < 0 || bytes < 0 || offset > Length || bytes > Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{bytes}) is outside the {Length}-byte buffer");
    }
}
