using NativeInfer.Gguf;

namespace NativeInfer.Config.Builders;

/// <summary>
/// Reads GGUF metadata for a builder: <c>{arch}.suffix</c> keys by suffix, any integer width (writers
/// disagree on u32 vs i32), range checks, and every failure as a <see cref="ModelConfigException"/>
/// naming the full key and the source.
/// </summary>
internal sealed class GgufKeys
{
    private readonly GgufMetadata _metadata;
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);

    public GgufKeys(ModelSource source)
    {
        _metadata = source.Gguf ?? throw new ArgumentException($"{source.Description} has no GGUF metadata", nameof(source));
        Arch = source.Architecture;
        Source = source;
    }

    public string Arch { get; }
    public ModelSource Source { get; }

    /// <summary>"{arch}.{suffix}".</summary>
    public string Key(string suffix) => $"{Arch}.{suffix}";

    public bool Has(string suffix) => _metadata.Contains(Asked(Key(suffix)));

    /// <summary>Records that a builder looked at <paramref name="key"/> (see <see cref="RefuseUnread"/>).</summary>
    private string Asked(string key)
    {
        _asked.Add(key);
        return key;
    }

    /// <summary>
    /// A file is understood completely or refused: every <c>{arch}.*</c> key must have been read by the
    /// builder or be listed in <paramref name="noEffect"/> (suffixes of keys that do not change the math,
    /// each for a reason the builder states). Any other key may change the math in a way the builder
    /// does not implement; it is an error naming the key.
    /// </summary>
    public void RefuseUnread(string builder, params string[] noEffect)
    {
        string prefix = Arch + ".";
        foreach (string key in _metadata.Keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || _asked.Contains(key) || noEffect.Contains(key[prefix.Length..])) continue;
            throw Invalid(key, $"is not understood by config builder '{builder}': it may change the model's math in a way NativeInfer does not " +
                               "implement, so the file is refused (register a config builder that reads it, see docs/config.md)");
        }
    }

    // ---------------------------------------------------------------- integers

    /// <summary>A required <c>{arch}.suffix</c> integer in [min, int.MaxValue].</summary>
    public int Int(string suffix, int min = 1) => OptInt(suffix, min) ?? throw Missing(Key(suffix), "an integer");

    public int? OptInt(string suffix, int min = 0) => OptIntKey(Key(suffix), min);

    public int IntOr(string suffix, int fallback, int min = 0) => OptInt(suffix, min) ?? fallback;

    /// <summary>An optional integer under a full key ("tokenizer.ggml.bos_token_id").</summary>
    public int? OptIntKey(string key, int min = 0)
    {
        long value;
        try
        {
            if (!_metadata.TryGetInteger(Asked(key), out value)) return null;
        }
        catch (GgufMetadataException e)
        {
            throw Wrap(key, e);
        }
        if (value < min || value > int.MaxValue)
            throw Invalid(key, $"is {value}, expected an integer in [{min}, {int.MaxValue}]");
        return (int)value;
    }

    // ---------------------------------------------------------------- reals, bools, strings

    public double Real(string suffix) => OptReal(suffix) ?? throw Missing(Key(suffix), "a number");

    public double? OptReal(string suffix)
    {
        string key = Key(suffix);
        double value;
        try
        {
            if (!_metadata.TryGetReal(Asked(key), out value)) return null;
        }
        catch (GgufMetadataException e)
        {
            throw Wrap(key, e);
        }
        if (!double.IsFinite(value)) throw Invalid(key, $"is {value}, expected a finite number");
        return value;
    }

    public bool? OptBool(string suffix)
    {
        string key = Key(suffix);
        try
        {
            return _metadata.TryGetBool(Asked(key), out bool value) ? value : null;
        }
        catch (GgufMetadataException e)
        {
            throw Wrap(key, e);
        }
    }

    public string? OptString(string suffix)
    {
        string key = Key(suffix);
        try
        {
            return _metadata.TryGetString(Asked(key), out string value) ? value : null;
        }
        catch (GgufMetadataException e)
        {
            throw Wrap(key, e);
        }
    }

    /// <summary>Length of an array under a full key (the token list), or null when absent.</summary>
    public long? ArrayLength(string key)
    {
        if (!_metadata.TryGetEntry(Asked(key), out GgufMetadataEntry entry)) return null;
        if (!entry.IsArray) throw Invalid(key, $"is {entry.TypeName}, expected an array");
        return entry.ArrayLength;
    }

    // ---------------------------------------------------------------- errors

    public ModelConfigException Missing(string key, string expected) =>
        new($"{Source.Description}: metadata key '{key}' is missing (expected {expected}; architecture {Arch})")
            { Key = key, SourceDescription = Source.Description };

    public ModelConfigException Invalid(string key, string problem) =>
        new($"{Source.Description}: metadata key '{key}' {problem}") { Key = key, SourceDescription = Source.Description };

    private ModelConfigException Wrap(string key, GgufMetadataException e) =>
        new(e.Message, e) { Key = key, SourceDescription = Source.Description };
}
