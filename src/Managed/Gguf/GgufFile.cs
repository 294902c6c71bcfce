using NativeInfer.Formats;

namespace NativeInfer.Gguf;

/// <summary>
/// A GGUF model file (v2 or v3), memory-mapped and validated at open: header, metadata and tensor
/// table (see docs/gguf.md for the rules). Tensors are zero-copy views into the mapping; nothing is
/// copied until asked for. Dispose unmaps the file; views and pointers die with it.
/// Reading is thread-safe; disposing while other threads read is not.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MappedRegion _region;
    private readonly GgufTensor[] _tensors;
    private readonly Dictionary<string, int> _tensorIndex;

    private GgufFile(MappedRegion region)
    {
        _region = region;
        GgufParser parsed = GgufParser.Parse(region);
        Version = parsed.Version;
        Alignment = parsed.Alignment;
        DataOffset = parsed.DataOffset;
        Metadata = parsed.Metadata;
        _tensors = parsed.Tensors;
        _tensorIndex = parsed.TensorIndex;
        Tensors = Array.AsReadOnly(_tensors);
    }

    /// <summary>Maps and validates a file; throws <see cref="GgufFormatException"/> if it is not a valid GGUF.</summary>
    public static GgufFile Open(string path) => Create(MappedRegion.MapFile(path));

    /// <summary>
    /// Parses an in-memory GGUF image. The memory is pinned until Dispose and must not change meanwhile.
    /// </summary>
    public static GgufFile FromMemory(ReadOnlyMemory<byte> image, string name = "<memory>") => Create(MappedRegion.Pin(image, name));

    /// <summary>
    /// Parses a GGUF image in native memory the caller owns (e.g. a NativeBuffer); it must stay
    /// allocated and unchanged until this file is disposed.
    /// </summary>
    public static GgufFile FromPointer(void* data, long length, string name = "<native memory>") =>
        Create(MappedRegion.External((byte*)data, length, name));

    private static GgufFile Create(MappedRegion region)
    {
        try
        {
            return new GgufFile(region);
        }
        catch
        {
            region.Dispose();
            throw;
        }
    }

    /// <summary>The full path of the file, or the name given to an in-memory image.</summary>
    public string Source => _region.Source;

    /// <summary>Bytes in the file.</summary>
    public long Length => _region.Length;

    /// <summary>GGUF version (2 or 3).</summary>
    public int Version { get; }

    /// <summary>Alignment of tensor data: <c>general.alignment</c>, 32 by default.</summary>
    public int Alignment { get; }

    /// <summary>Where the data section starts (the end of the tensor table rounded up to the alignment).</summary>
    public long DataOffset { get; }

    public GgufMetadata Metadata { get; }

    /// <summary>Tensors in file order.</summary>
    public IReadOnlyList<GgufTensor> Tensors { get; }

    /// <summary>The bytes the file was parsed from (the runtime advises the OS on the tensor data's pages).</summary>
    internal MappedRegion Region => _region;

    /// <summary>The start of the mapping (for code that computes its own offsets).</summary>
    public byte* BasePointer => _region.Pointer;

    public bool ContainsTensor(string name) => _tensorIndex.ContainsKey(name);

    public bool TryGetTensor(string name, out GgufTensor tensor)
    {
        if (_tensorIndex.TryGetValue(name, out int i))
        {
            tensor = _tensors[i];
            return true;
        }
        tensor = default;
        return false;
    }

    /// <summary>The tensor called <paramref name="name"/>; a missing one names the file and suggests close names.</summary>
    public GgufTensor GetTensor(string name)
    {
        if (_tensorIndex.TryGetValue(name, out int i)) return _tensors[i];
        string hint = SimilarNames(name) is { Length: > 0 } similar ? $"; similar: {similar}" : "";
        throw new KeyNotFoundException($"{Source}: no tensor '{name}' among its {_tensors.Length} tensors{hint}");
    }

    // The names sharing the longest prefix with the one asked for: enough to spot a layer-number or suffix typo.
    private string SimilarNames(string name)
    {
        int best = 0;
        foreach (GgufTensor t in _tensors) best = Math.Max(best, CommonPrefix(t.Name, name));
        if (best == 0) return "";
        return string.Join(", ", _tensors.Where(t => CommonPrefix(t.Name, name) == best).Take(3).Select(t => $"'{t.Name}'"));
    }

    private static int CommonPrefix(string a, string b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    public void Dispose() => _region.Dispose();

    public override string ToString() => $"{Source} (GGUF v{Version}, {Metadata.Count} keys, {_tensors.Length} tensors)";
}
