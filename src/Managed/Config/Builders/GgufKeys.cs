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

    public bool Has(string suffix) => _metadata.Contains(Key(suffix));

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
            if (!_metadata.TryGetInteger(key, out value)) return null;
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
            if (!_metadata.TryGetReal(key, out value)) return null;
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
            return _metadata.TryGetBool(key, out bool value) ? value : null;
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
            return _metadata.TryGetString(key, out string value) ? value : null;
        }
        catch (GgufMetadataException e)
        {
            throw Wrap(key, e);
        }
    }

    /// <summary>Length of an array under a full key (the token list), or null when absent.</summary>
    public long? ArrayLength(string key)
    {
        if (!_metadata.TryGetEntry(key, out GgufMetadataEntry entry)) return null;
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
