using ILGPU;
using ILGPU.Runtime;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Interop;
using NativeInfer.Tensors;
using Device = NativeInfer.Tensors.Device;

namespace NativeInfer.Gpu.Devices;

/// <summary>
/// The part of both devices that is plain ILGPU: the context, the accelerator, the one stream, the kernels,
/// memory and copies. The implementations differ only in how the accelerator is made and how the int4 GEMM runs.
/// </summary>
public abstract class IlgpuGpuDevice : IGpuDevice
{
    private readonly Context _context;
    private bool _disposed;

    protected IlgpuGpuDevice(Device device, Context context, Accelerator accelerator, AcceleratorStream stream)
    {
        Device = device;
        _context = context;
        Accelerator = accelerator;
        Stream = stream;
        Kernels = new GpuKernels(accelerator);
    }

    public Device Device { get; }
    public abstract string Description { get; }
    public abstract bool IsEmulated { get; }
    public Accelerator Accelerator { get; }
    public AcceleratorStream Stream { get; }
    public GpuKernels Kernels { get; }

    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), $"length must be > 0 (got {length})");
        var buffer = Accelerator.Allocate1D<T>(length);
        buffer.MemSetToZero(Stream);
        return buffer;
    }

    public void Upload<T>(ReadOnlySpan<T> source, ArrayView<T> destination) where T : unmanaged
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination holds {destination.Length} values, the source has {source.Length}", nameof(destination));
        if (source.IsEmpty) return;
        destination.SubView(0, source.Length).CopyFromCPU(Stream, source);
        Stream.Synchronize();  // the span may be gone once this returns
    }

    public void Download<T>(ArrayView<T> source, Span<T> destination) where T : unmanaged
    {
        if (source.Length < destination.Length)
            throw new ArgumentException($"source holds {source.Length} values, the destination wants {destination.Length}", nameof(source));
        if (destination.IsEmpty) return;
        source.SubView(0, destination.Length).CopyToCPU(Stream, destination);
        Stream.Synchronize();
    }

    public abstract MarlinWeights UploadMarlin(NiType type, ReadOnlySpan<byte> rows, long n, long k, long groupSize = 32);

    public abstract void MarlinGemm(MarlinWeights weights, ArrayView<ushort> a, ArrayView<ushort> c, int m);

    public void Synchronize() => Stream.Synchronize();

    /// <summary>The GEMM's shape checks shared by both devices.</summary>
    protected static void CheckGemm(MarlinWeights weights, ArrayView<ushort> a, ArrayView<ushort> c, int m)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (m <= 0) throw new ArgumentOutOfRangeException(nameof(m), $"m must be > 0 (got {m})");
        if (a.Length < m * weights.Columns) throw new ArgumentException($"a holds {a.Length} values but [{m}][{weights.Columns}] needs {m * weights.Columns}", nameof(a));
        if (c.Length < m * weights.Rows) throw new ArgumentException($"c holds {c.Length} values but [{m}][{weights.Rows}] needs {m * weights.Rows}", nameof(c));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
        Stream.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the implementation holds besides the accelerator (wrapped handles).</summary>
    protected virtual void Dispose(bool disposing) { }
}
