using NativeInfer.Formats;

namespace NativeInfer.Config.Builders;

/// <summary>
/// Reads a config.json for a builder: typed values with range checks, transformers' class defaults
/// where the builder passes one, and every failure as a <see cref="ModelConfigException"/> naming the
/// key path and the file. A JSON null counts as absent, as in <see cref="HuggingFaceConfig"/>.
/// </summary>
internal sealed class HfKeys
{
    public HfKeys(ModelSource source) : this(
        source.Format == ModelFormat.HuggingFace ? source.HfConfig! : throw new ArgumentException($"{source.Description} is not a config.json source", nameof(source)),
        source.Description)
    {
    }

    private HfKeys(HuggingFaceConfig config, string description)
    {
        Config = config;
        Description = description;
    }

    public HuggingFaceConfig Config { get; }
    public string Description { get; }

    /// <summary>Whether the key is written at all (even as null).</summary>
    public bool IsWritten(string key) => Config.Keys.Contains(key);

    public int Int(string key, int min = 1) => OptInt(key, min) ?? throw Missing(key, "an integer");

    public int IntOr(string key, int fallback, int min = 0) => OptInt(key, min) ?? fallback;

    public int? OptInt(string key, int min = 0)
    {
        long value;
        try
        {
            if (!Config.TryGetInt64(key, out value)) return null;
        }
        catch (HuggingFaceConfigException e)
        {
            throw Wrap(key, e);
        }
        if (value < min || value > int.MaxValue) throw Invalid(key, $"is {value}, expected an integer in [{min}, {int.MaxValue}]");
        return (int)value;
    }

    public double Real(string key) => OptReal(key) ?? throw Missing(key, "a number");

    public double RealOr(string key, double fallback) => OptReal(key) ?? fallback;

    public double? OptReal(string key)
    {
        double value;
        try
        {
            if (!Config.TryGetDouble(key, out value)) return null;
        }
        catch (HuggingFaceConfigException e)
        {
            throw Wrap(key, e);
        }
        if (!double.IsFinite(value)) throw Invalid(key, $"is {value}, expected a finite number");
        return value;
    }

    public bool BoolOr(string key, bool fallback)
    {
        try
        {
            return Config.TryGetBool(key, out bool value) ? value : fallback;
        }
        catch (HuggingFaceConfigException e)
        {
            throw Wrap(key, e);
        }
    }

    public string? OptString(string key)
    {
        try
        {
            return Config.TryGetString(key, out string value) ? value : null;
        }
        catch (HuggingFaceConfigException e)
        {
            throw Wrap(key, e);
        }
    }

    /// <summary>A token id given as a number or a list (the first entry is used).</summary>
    public int? OptTokenId(string key)
    {
        try
        {
            if (!Config.TryGetIntOrIntArray(key, out int[] ids) || ids.Length == 0) return null;
            if (ids[0] < 0) throw Invalid(key, $"is {ids[0]}, expected a token id ≥ 0");
            return ids[0];
        }
        catch (HuggingFaceConfigException e)
        {
            throw Wrap(key, e);
        }
    }

    public int[] IntArrayOr(string key, int[] fallback)
    {
        try
        {
            return Config.TryGetIntArray(key, out int[] values) ? values : fallback;
        }
        catch (HuggingFaceConfigException e)
        {
            throw Wrap(key, e);
        }
    }

    /// <summary>A nested object ("rope_scaling"), or null when absent.</summary>
    public HfKeys? OptObject(string key)
    {
        try
        {
            return Config.TryGetObject(key, out HuggingFaceConfig? o) ? new HfKeys(o, Description) : null;
        }
        catch (HuggingFaceConfigException e)
        {
            throw Wrap(key, e);
        }
    }

    /// <summary>Full key path for messages ("rope_scaling.factor").</summary>
    public string PathOf(string key) => Config.KeyPath.Length == 0 ? key : $"{Config.KeyPath}.{key}";

    public ModelConfigException Missing(string key, string expected) =>
        new($"{Description}: '{PathOf(key)}' is missing (expected {expected})") { Key = PathOf(key), SourceDescription = Description };

    public ModelConfigException Invalid(string key, string problem) =>
        new($"{Description}: '{PathOf(key)}' {problem}") { Key = PathOf(key), SourceDescription = Description };

    private ModelConfigException Wrap(string key, HuggingFaceConfigException e) =>
        new(e.Message, e) { Key = PathOf(key), SourceDescription = Description };
}
