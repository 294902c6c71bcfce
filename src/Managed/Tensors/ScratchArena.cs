using NativeInfer.Native;

namespace NativeInfer.Tensors;

/// <summary>
/// Bump allocator over native memory for the buffers one forward pass needs. Reset at the start of
/// every pass; a block that runs out chains a bigger one, which is kept, so after the first pass of a
/// given size nothing is allocated again (the decode loop allocates nothing, managed or native).
/// Owned by one session; not thread-safe.
/// </summary>
public sealed unsafe class ScratchArena : IDisposable
{
    private readonly List<NativeBuffer> _blocks = [];
    private int _block;
    private long _offset;

    public ScratchArena(long initialBytes = 1 << 20) => _blocks.Add(new NativeBuffer(Math.Max(4096, initialBytes)));

    /// <summary>Bytes held across all blocks.</summary>
    public long CapacityBytes => _blocks.Sum(b => b.Length);

    public void Reset()
    {
        _block = 0;
        _offset = 0;
    }

    /// <summary>Where the next allocation would start; <see cref="Rewind"/> gives back everything allocated after it.</summary>
    public ScratchMark Mark() => new(_block, _offset);

    /// <summary>
    /// Frees (for reuse) everything allocated since <paramref name="mark"/>. The decoder stack rewinds after
    /// every layer, so a pass needs one layer's scratch rather than all of them: a 512-token prefill of a
    /// 27-layer model held ~2 GB of scratch, and faulting it in (the kernel zeroing fresh pages) took a
    /// tenth of the prefill.
    /// </summary>
    public void Rewind(ScratchMark mark)
    {
        if (mark.Block > _block || (mark.Block == _block && mark.Offset > _offset))
            throw new InvalidOperationException("ScratchArena.Rewind: the mark is ahead of the arena (rewound twice, or a mark from another pass)");
        (_block, _offset) = (mark.Block, mark.Offset);
    }

    /// <summary>64-byte aligned, uninitialized space for <paramref name="count"/> values.</summary>
    public T* Alloc<T>(long count) where T : unmanaged
    {
        long bytes = (count * sizeof(T) + 63) & ~63L;
        while (true)
        {
            NativeBuffer b = _blocks[_block];
            if (_offset + bytes <= b.Length)
            {
                T* p = (T*)((byte*)b.Pointer + _offset);
                _offset += bytes;
                return p;
            }
            if (_block + 1 == _blocks.Count) _blocks.Add(new NativeBuffer(Math.Max(bytes, b.Length * 2)));
            _block++;
            _offset = 0;
        }
    }

    /// <summary>As <see cref="Alloc{T}"/>, zero-filled.</summary>
    public T* AllocZeroed<T>(long count) where T : unmanaged
    {
        T* p = Alloc<T>(count);
        new Span<byte>(p, checked((int)(count * sizeof(T)))).Clear();
        return p;
    }

    public void Dispose()
    {
        foreach (NativeBuffer b in _blocks) b.Dispose();
        _blocks.Clear();
    }
}

/// <summary>A position in a <see cref="ScratchArena"/>, from <see cref="ScratchArena.Mark"/>.</summary>
public readonly record struct ScratchMark(int Block, long Offset);

