using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace NativeInfer.Formats;

/// <summary>
/// The read-only bytes a format reader parses and hands out views of: a memory-mapped file or pinned
/// managed memory. The pointer is acquired once; readers bounds-check every access against
/// <see cref="Length"/> themselves. There is deliberately no finalizer: a raw pointer copied out of a
/// view may still be in use, so an undisposed mapping lives until the process exits rather than
/// being unmapped under someone's feet.
/// </summary>
internal sealed unsafe class MappedRegion : IDisposable
{
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private MemoryHandle _pin;
    private byte* _pointer;
    private bool _disposed;

    private MappedRegion(string source, long length)
    {
        Source = source;
        Length = length;
    }

    /// <summary>The file path, or the name given to an in-memory image.</summary>
    public string Source { get; }

    /// <summary>Bytes in the region (the file length, not the page-rounded view capacity).</summary>
    public long Length { get; }

    public bool IsDisposed => _disposed;

    /// <summary>True for a mapped file (its pages come from the page cache; memory advice applies to them).</summary>
    public bool IsFileMapping => _view != null;

    /// <summary>Start of the region (null only for an empty region, which no bounds check lets anyone read).</summary>
    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _pointer;
        }
    }

    /// <summary>Maps a whole file read-only.</summary>
    public static MappedRegion MapFile(string path)
    {
        string full = Path.GetFullPath(path);
        FileNode.RequireRegular(full, "model files and checkpoints are memory-mapped");
        var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var region = new MappedRegion(full, stream.Length);
        if (region.Length == 0)
        {
            // An empty file cannot be mapped; the parser rejects it by length alone.
            stream.Dispose();
            return region;
        }
        try
        {
            region._map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            region._view = region._map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            region._view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            region._pointer = p + region._view.PointerOffset;
            return region;
        }
        catch
        {
            region.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Pins managed memory for the lifetime of the region (the caller must not change it meanwhile).</summary>
    public static MappedRegion Pin(ReadOnlyMemory<byte> memory, string source)
    {
        var region = new MappedRegion(source, memory.Length);
        region._pin = memory.Pin();
        region._pointer = (byte*)region._pin.Pointer;
        return region;
    }

    /// <summary>Wraps memory someone else owns and keeps alive (and unchanged) for the region's lifetime.</summary>
    public static MappedRegion External(byte* pointer, long length, string source)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (pointer == null && length > 0) throw new ArgumentNullException(nameof(pointer));
        return new MappedRegion(source, length) { _pointer = pointer };
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view != null)
        {
            if (_pointer != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
        _pin.Dispose();
        _pointer = null;
    }
}
