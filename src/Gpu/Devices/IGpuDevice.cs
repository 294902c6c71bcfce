using ILGPU;
using ILGPU.Runtime;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Interop;
using NativeInfer.Tensors;
using Device = NativeInfer.Tensors.Device;

namespace NativeInfer.Gpu.Devices;

/// <summary>
/// What the GPU decode path needs from a device: memory, copies, the kernels, the int4 GEMM and one stream that
/// orders all of them. Two implementations: <see cref="CudaGpuDevice"/> (ILGPU's CUDA accelerator plus
/// libnativeinfer_cuda's Marlin GEMM queued on the same stream) and <see cref="EmulatedGpuDevice"/> (ILGPU's
/// CPU accelerator, the GEMM by its CPU reference on the same buffers), so a plan placed on cuda:N runs end to
/// end in tests on machines without a GPU. Not thread-safe: one decode loop drives a device.
/// </summary>
public interface IGpuDevice : IDisposable
{
    /// <summary>cuda:N.</summary>
    Device Device { get; }

    /// <summary>What backs it, for logs: the GPU's name, or the emulation and its warp/group shape.</summary>
    string Description { get; }

    bool IsEmulated { get; }

    Accelerator Accelerator { get; }

    /// <summary>The one stream kernels, copies and the GEMM are queued on, in order.</summary>
    AcceleratorStream Stream { get; }

    /// <summary>Every kernel, loaded for this accelerator.</summary>
    GpuKernels Kernels { get; }

    /// <summary>Zero-filled device memory for <paramref name="length"/> values.</summary>
    MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged;

    /// <summary>Copies host values into <paramref name="destination"/>; returns once the copy is done.</summary>
    void Upload<T>(ReadOnlySpan<T> source, ArrayView<T> destination) where T : unmanaged;

    /// <summary>Waits for the stream's queued work, then copies <paramref name="source"/> to the host.</summary>
    void Download<T>(ArrayView<T> source, Span<T> destination) where T : unmanaged;

    /// <summary>
    /// Repacks W [n][k] (contiguous GGUF rows of Q4_0, F16 or BF16) into the Marlin layout on the device.
    /// Shapes: K a multiple of 128, N of 64, group 32 (the only one for Q4_0), 64, 128 or K.
    /// </summary>
    MarlinWeights UploadMarlin(NiType type, ReadOnlySpan<byte> rows, long n, long k, long groupSize = 32);

    /// <summary>
    /// c [m][Rows] = a [m][Columns] · Wᵀ on <see cref="Stream"/>, f16 in and out (as ushort bits), f32
    /// accumulation: queued after everything already on the stream.
    /// </summary>
    void MarlinGemm(MarlinWeights weights, ArrayView<ushort> a, ArrayView<ushort> c, int m);

    /// <summary>Blocks until everything queued on <see cref="Stream"/> has finished.</summary>
    void Synchronize();
}
