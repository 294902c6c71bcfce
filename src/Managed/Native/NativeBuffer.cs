using System.Runtime.InteropServices;

namespace NativeInfer.Native;

/// <summary>
/// 64-byte aligned native memory that the GC never moves or scans: kernel inputs and outputs for
/// benchmarks and for weights the runtime has to materialize (repacked or converted tensors).
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    private void* _data;

    public NativeBuffer(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        Length = bytes;
        _data = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        if (_data == null) throw new OutOfMemoryException($"could not allocate {bytes} bytes of native memory");
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
