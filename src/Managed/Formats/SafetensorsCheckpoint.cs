using System.Text.Json;

namespace NativeInfer.Formats;

/// <summary>
/// A Hugging Face checkpoint as one set of tensors: a single .safetensors file, or shards listed by
/// <c>model.safetensors.index.json</c> ("weight_map": tensor → shard file). Every shard is opened
/// once; every mapped tensor must exist in the shard the index names. Tensors a shard holds but the
/// index does not list are left out, as transformers does.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string IndexFileName = "model.safetensors.index.json";
    public const string SingleFileName = "model.safetensors";

    private readonly SafetensorsFile[] _shards;
    private readonly Dictionary<string, SafetensorsTensor> _tensors;

    private SafetensorsCheckpoint(string source, SafetensorsFile[] shards, Dictionary<string, SafetensorsTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Source = source;
        _shards = shards;
        _tensors = tensors;
        Metadata = metadata;
        Shards = Array.AsReadOnly(shards);
        Tensors = tensors.Values.ToList().AsReadOnly();
    }

    /// <summary>
    /// Opens a directory (its index, else its model.safetensors), an index .json, or one .safetensors file.
    /// </summary>
    public static SafetensorsCheckpoint Open(string path)
    {
        if (Directory.Exists(path))
        {
            string index = Path.Combine(path, IndexFileName), single = Path.Combine(path, SingleFileName);
            if (File.Exists(index)) return OpenIndex(index);
            if (File.Exists(single)) return OpenSingle(single);
            throw new FileNotFoundException($"{path}: neither {IndexFileName} nor {SingleFileName} is there");
        }
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? OpenIndex(path) : OpenSingle(path);
    }

    /// <summary>The index (or single file) this checkpoint was opened from.</summary>
    public string Source { get; }

    public IReadOnlyList<SafetensorsFile> Shards { get; }

    /// <summary>Every tensor, in weight_map order (header order for a single file).</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The index's "metadata" (values as JSON text unless they are strings), or the single file's "__metadata__".</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public bool ContainsTensor(string name) => _tensors.ContainsKey(name);

    public bool TryGetTensor(string name, out SafetensorsTensor tensor) => _tensors.TryGetValue(name, out tensor);

    public SafetensorsTensor GetTensor(string name) =>
        _tensors.TryGetValue(name, out SafetensorsTensor t) ? t : throw new KeyNotFoundException($"{Source}: no tensor '{name}' among its {_tensors.Count} tensors");

    public void Dispose()
    {
        foreach (SafetensorsFile shard in _shards) shard.Dispose();
    }

    private static SafetensorsCheckpoint OpenSingle(string path)
    {
        SafetensorsFile file = SafetensorsFile.Open(path);
        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (SafetensorsTensor t in file.Tensors) tensors.Add(t.Name, t);
        return new SafetensorsCheckpoint(file.Source, [file], tensors, file.Metadata);
    }

    private static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        string full = Path.GetFullPath(indexPath);
        string directory = Path.GetDirectoryName(full)!;
        Dictionary<string, string> weightMap, metadata;
        try
        {
            byte[] json = File.ReadAllBytes(full);
            if (!System.Text.Unicode.Utf8.IsValid(json)) throw new SafetensorsFormatException(full, "the index is not valid UTF-8");
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            (weightMap, metadata) = ReadIndex(full, document.RootElement);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(full, $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", e);
        }

        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            var tensors = new Dictionary<string, SafetensorsTensor>(weightMap.Count, StringComparer.Ordinal);
            foreach (var (name, shardName) in weightMap)
            {
                if (!shards.TryGetValue(shardName, out SafetensorsFile? shard))
                {
                    string shardPath = Path.Combine(directory, shardName);
                    if (!File.Exists(shardPath))
                        throw new FileNotFoundException($"{full}: shard '{shardName}' (holding '{name}') does not exist at {shardPath}", shardPath);
                    shard = SafetensorsFile.Open(shardPath);
                    shards.Add(shardName, shard);
                }
                if (!shard.TryGetTensor(name, out SafetensorsTensor tensor))
                    throw new SafetensorsFormatException(full, $"weight_map puts '{name}' in '{shardName}', which has no such tensor");
                tensors.Add(name, tensor);
            }
            return new SafetensorsCheckpoint(full, shards.Values.ToArray(), tensors, metadata);
        }
        catch
        {
            foreach (SafetensorsFile shard in shards.Values) shard.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, string> WeightMap, Dictionary<string, string> Metadata) ReadIndex(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new SafetensorsFormatException(path, $"the index is {root.ValueKind}, expected an object");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("metadata", out JsonElement meta) && meta.ValueKind == JsonValueKind.Object)
            foreach (JsonProperty p in meta.EnumerateObject())
                metadata[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        if (!root.TryGetProperty("weight_map", out JsonElement map) || map.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, "the index has no \"weight_map\" object");
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty p in map.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(path, $"weight_map['{p.Name}'] is {p.Value.ValueKind}, expected a shard file name");
            string shard = p.Value.GetString()!;
            // A shard is a file beside the index; anything that could point elsewhere is refused.
            if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or ".." || shard.Contains('\\'))
                throw new SafetensorsFormatException(path, $"weight_map['{p.Name}'] = '{shard}' is not a plain file name beside the index");
            weightMap.Add(p.Name, shard);
        }
        return (weightMap, metadata);
    }
}
