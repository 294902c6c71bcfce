using NativeInfer.Interop;

namespace NativeInfer.Cuda;

/// <summary>A CUDA stream on one device: work queued on it runs in order. Disposing waits for it.</summary>
public sealed class CudaStream : IDisposable
{
    private CudaStream(SafeCudaStreamHandle handle, int device)
    {
        Handle = handle;
        DeviceIndex = device;
    }

    public static CudaStream Create(CudaDevice device)
    {
        NiException.ThrowIfCudaFailed(CudaNativeMethods.StreamCreate(device.Index, out SafeCudaStreamHandle handle));
        return new CudaStream(handle, device.Index);
    }

    public int DeviceIndex { get; }

    internal SafeCudaStreamHandle Handle { get; }

    /// <summary>Blocks until everything queued has finished; throws if any of it failed.</summary>
    public void Synchronize() => NiException.ThrowIfCudaFailed(CudaNativeMethods.StreamSynchronize(Handle));

    public void Dispose() => Handle.Dispose();
}
