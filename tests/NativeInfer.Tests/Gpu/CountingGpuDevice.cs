using ILGPU;
using ILGPU.Runtime;
using NativeInfer.Gpu.Devices;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Interop;
using Device = NativeInfer.Tensors.Device;

namespace NativeInfer.Tests.Gpu;

/// <summary>A device that forwards to another and counts the host↔device copies (the decode path's transfer budget is observable) and the int4 GEMMs.</summary>
internal sealed class CountingGpuDevice(IGpuDevice inner) : IGpuDevice
{
    public int Uploads { get; private set; }
    public int Downloads { get; private set; }
    public int MarlinGemms { get; private set; }

    public void ResetCounts() => (Uploads, Downloads, MarlinGemms) = (0, 0, 0);

    public Device Device => inner.Device;
    public string Description => inner.Description;
    public bool IsEmulated => inner.IsEmulated;
    public Accelerator Accelerator => inner.Accelerator;
    public AcceleratorStream Stream => inner.Stream;
    public GpuKernels Kernels => inner.Kernels;

    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged => inner.Allocate<T>(length);

    public void Upload<T>(ReadOnlySpan<T> source, ArrayView<T> destination) where T : unmanaged
    {
        Uploads++;
        inner.Upload(source, destination);
    }

    public void Download<T>(ArrayView<T> source, Span<T> destination) where T : unmanaged
    {
        Downloads++;
        inner.Download(source, destination);
    }

    public MarlinWeights UploadMarlin(NiType type, ReadOnlySpan<byte> rows, long n, long k, long groupSize = 32) => inner.UploadMarlin(type, rows, n, k, groupSize);

    public void MarlinGemm(MarlinWeights weights, ArrayView<ushort> a, ArrayView<ushort> c, int m)
    {
        MarlinGemms++;
        inner.MarlinGemm(weights, a, c, m);
    }

    public void Synchronize() => inner.Synchronize();

    public void Dispose() => inner.Dispose();
}
