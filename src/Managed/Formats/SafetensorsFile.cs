using System.Buffers.Binary;
using System.Text.Json;

namespace NativeInfer.Formats;

/// <summary>
/// A .safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header
/// (name → dtype, shape, data_offsets; optional "__metadata__" of strings), then the data. The header
/// is validated at open — length within the file and at most 100 MB, well-formed JSON, known dtypes,
/// offsets inside the data section and equal to dtype × shape, no two tensors overlapping — and any
/// failure is a <see cref="SafetensorsFormatException"/>. Gaps between tensors are allowed.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The reference implementation's limit; a larger header is treated as hostile.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly MappedRegion _region;
    private readonly SafetensorsTensor[] _tensors;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    private SafetensorsFile(MappedRegion region)
    {
        _region = region;
        if (region.Length < 8) throw Error($"the file is {region.Length} bytes, too short for the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(region.Pointer, 8));
        if (headerLength > MaxHeaderBytes)
            throw Error($"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if (headerLength > (ulong)(region.Length - 8))
            throw Error($"header length {headerLength} runs past the end of the file ({region.Length} bytes)");
        HeaderLength = (long)headerLength;
        DataOffset = 8 + HeaderLength;
        _tensors = ParseHeader(new ReadOnlySpan<byte>(region.Pointer + 8, (int)headerLength).ToArray(), out Dictionary<string, string> metadata);
        Metadata = metadata;
        Tensors = Array.AsReadOnly(_tensors);
    }

    public static SafetensorsFile Open(string path) => Create(MappedRegion.MapFile(path));

    /// <summary>Parses an in-memory image, pinned until Dispose.</summary>
    public static SafetensorsFile FromMemory(ReadOnlyMemory<byte> image, string name = "<memory>") => Create(MappedRegion.Pin(image, name));

    private static SafetensorsFile Create(MappedRegion region)
    {
        try
        {
            return new SafetensorsFile(region);
        }
        catch
        {
            region.Dispose();
            throw;
        }
    }

    public string Source => _region.Source;

    public long Length => _region.Length;

    /// <summary>Bytes of the JSON header.</summary>
    public long HeaderLength { get; }

    /// <summary>Where the data section starts (8 + header length); data_offsets count from here.</summary>
    public long DataOffset { get; }

    /// <summary>The "__metadata__" strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensors in header order.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    public bool ContainsTensor(string name) => _index.ContainsKey(name);

    public bool TryGetTensor(string name, out SafetensorsTensor tensor)
    {
        bool found = _index.TryGetValue(name, out int i);
        tensor = found ? _tensors[i] : default;
        return found;
    }

    public SafetensorsTensor GetTensor(string name) =>
        TryGetTensor(name, out SafetensorsTensor t) ? t : throw new KeyNotFoundException($"{Source}: no tensor '{name}' among its {_tensors.Length} tensors");

    public void Dispose() => _region.Dispose();

    // ------------------------------------------------------------------ header

    private SafetensorsTensor[] ParseHeader(byte[] header, out Dictionary<string, string> metadata)
    {
        // JsonDocument checks structure but not the UTF-8 inside strings; names would fail later to decode.
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw Error("the JSON header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Error($"the JSON header is malformed at header byte {e.BytePositionInLine} of line {e.LineNumber + 1}: {e.Message}", e);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Error($"the JSON header is {root.ValueKind}, expected an object");
            metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensor>();
            var spans = new List<(long Begin, long End, string Name)>();
            long dataLength = _region.Length - DataOffset;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata);
                    continue;
                }
                (SafetensorsTensor tensor, long begin, long end) = ReadTensor(property.Name, property.Value, dataLength);
                _index.Add(tensor.Name, tensors.Count);
                tensors.Add(tensor);
                spans.Add((begin, end, tensor.Name));
            }
            CheckNoOverlap(spans);
            return tensors.ToArray();
        }
    }

    private void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Error($"\"{MetadataKey}\" is {value.ValueKind}, expected an object of strings");
        foreach (JsonProperty p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw Error($"\"{MetadataKey}\".\"{p.Name}\" is {p.Value.ValueKind}, expected a string");
            metadata[p.Name] = p.Value.GetString()!;
        }
    }

    private (SafetensorsTensor Tensor, long Begin, long End) ReadTensor(string name, JsonElement entry, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw Error($"tensor '{name}' is {entry.ValueKind}, expected an object");
        if (!entry.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Error($"tensor '{name}' has no string \"dtype\"");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out SafetensorsDType dtype))
            throw Error($"tensor '{name}' has unknown dtype '{dtypeName}' (known: {SafetensorsDTypes.KnownNames})");

        if (!entry.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Error($"tensor '{name}' has no \"shape\" array");
        var shape = new long[shapeElement.GetArrayLength()];
        long elements = 1;
        int d = 0;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            long n = NonNegativeInteger(dim, $"shape[{d}] of tensor '{name}'");
            if (n != 0 && elements > long.MaxValue / n) throw Error($"element count of tensor '{name}' overflows 64 bits");
            elements *= n;
            shape[d++] = n;
        }
        if (elements > long.MaxValue / dtype.ElementBytes()) throw Error($"byte size of tensor '{name}' overflows 64 bits");
        long bytes = elements * dtype.ElementBytes();

        if (!entry.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Error($"tensor '{name}' needs \"data_offsets\": [begin, end]");
        long begin = NonNegativeInteger(offsets[0], $"data_offsets[0] of tensor '{name}'");
        long end = NonNegativeInteger(offsets[1], $"data_offsets[1] of tensor '{name}'");
        if (end < begin) throw Error($"tensor '{name}' has data_offsets [{begin}, {end}) that end before they begin");
        if (end > dataLength)
            throw Error($"tensor '{name}' data_offsets [{begin}, {end}) run past the data section ({dataLength} bytes from byte {DataOffset})");
        if (end - begin != bytes)
            throw Error($"tensor '{name}' data_offsets [{begin}, {end}) hold {end - begin} bytes but {dtype.HeaderName()} [{string.Join(", ", shape)}] takes {bytes}");
        if (_index.ContainsKey(name)) throw Error($"tensor '{name}' appears twice");
        return (new SafetensorsTensor(_region, name, dtype, shape, elements, DataOffset + begin, bytes), begin, end);
    }

    private long NonNegativeInteger(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
            throw Error($"{what} is {element.GetRawText()}, expected a non-negative integer");
        return value;
    }

    private void CheckNoOverlap(List<(long Begin, long End, string Name)> spans)
    {
        spans.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        for (int i = 1; i < spans.Count; i++)
            if (spans[i].Begin < spans[i - 1].End)
                throw Error($"tensor '{spans[i].Name}' [{spans[i].Begin}, {spans[i].End}) overlaps tensor '{spans[i - 1].Name}' [{spans[i - 1].Begin}, {spans[i - 1].End})");
    }

    private SafetensorsFormatException Error(string problem, Exception? inner = null) => new(_region.Source, problem, inner);
}
