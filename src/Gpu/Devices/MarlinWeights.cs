using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Devices;

/// <summary>
/// One weight matrix W [Rows = N][Columns = K] in the Marlin int4 layout on a device, ready for
/// <see cref="IGpuDevice.MarlinGemm"/>. Owns its buffers (and, on CUDA, the handles that wrap them).
/// </summary>
public sealed class MarlinWeights : IDisposable
{
    private readonly Action? _release;

    internal MarlinWeights(long n, long k, long groupSize, MemoryBuffer1D<byte, Stride1D.Dense> weights, MemoryBuffer1D<byte, Stride1D.Dense> scales,
                           MemoryBuffer1D<byte, Stride1D.Dense>? workspace, Action? release = null)
    {
        (Rows, Columns, GroupSize, Weights, Scales, Workspace, _release) = (n, k, groupSize, weights, scales, workspace, release);
    }

    /// <summary>N: output features.</summary>
    public long Rows { get; }

    /// <summary>K: input features.</summary>
    public long Columns { get; }

    public long GroupSize { get; }

    internal MemoryBuffer1D<byte, Stride1D.Dense> Weights { get; }
    internal MemoryBuffer1D<byte, Stride1D.Dense> Scales { get; }

    /// <summary>The GEMM's lock and partial-sum workspace (real CUDA only), zero between GEMMs.</summary>
    internal MemoryBuffer1D<byte, Stride1D.Dense>? Workspace { get; }

    /// <summary>libnativeinfer_cuda's handles for the buffers (real CUDA only).</summary>
    internal NativeInfer.Interop.SafeCudaBufferHandle? NativeWeights { get; init; }
    internal NativeInfer.Interop.SafeCudaBufferHandle? NativeScales { get; init; }
    internal NativeInfer.Interop.SafeCudaBufferHandle? NativeWorkspace { get; init; }

    /// <summary>Device bytes this matrix holds.</summary>
    public long Bytes => Weights.LengthInBytes + Scales.LengthInBytes + (Workspace?.LengthInBytes ?? 0);

    public void Dispose()
    {
        _release?.Invoke();
        Weights.Dispose();
        Scales.Dispose();
        Workspace?.Dispose();
    }
}
