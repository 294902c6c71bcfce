using System.Runtime.InteropServices;

namespace NativeInfer.Native;

/// <summary>
/// 64-byte aligned native memory that the GC never moves or scans: kernel inputs and outputs for
/// benchmarks and for weights the runtime has to materialize (repacked or converted tensors). Buffers
/// of <see cref="HugePageThreshold"/> and more start on a 2 MiB boundary and are advised to use huge
/// pages, as the mapped weights are (WeightMemoryOptions.HugePages): weights streamed from either, and
/// the bandwidth probe, then see the same memory system.
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    public const long HugePageThreshold = 4L << 20;
    private const nuint HugePageSize = 2u << 20;

    private void* _data;

    public NativeBuffer(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        Length = bytes;
        bool large = bytes >= HugePageThreshold;
        _data = NativeMemory.AlignedAlloc((nuint)bytes, large ? HugePageSize : 64);
        if (_data == null) throw new OutOfMemoryException($"could not allocate {bytes} bytes of native memory");
        // Advice only: where the OS has no huge pages nothing changes, so the status is not an error.
        if (large) _ = Interop.NativeMethods.MemoryPrepare(_data, (nuint)bytes, Interop.NiMemoryFlags.HugePages, null);
    }

    public long Length { get; }

    public void* Pointer => _data != null ? _data : throw new ObjectDisposedException(nameof(NativeBuffer));

    public Span<T> AsSpan<T>() where T : unmanaged => new(Pointer, checked((int)(Length / sizeof(T))));

    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.AlignedFree(_data);
            _data = null;
        }
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() => Dispose();
}
