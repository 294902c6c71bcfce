namespace NativeInfer.Formats;

/// <summary>
/// A Hugging Face config.json is malformed (then <see cref="Line"/>/<see cref="Column"/> say where),
/// or a key is missing or has another JSON type than asked for (then <see cref="Key"/> names it,
/// with its path for nested objects: "rope_scaling.factor").
/// </summary>
public sealed class HuggingFaceConfigException : Exception
{
    public HuggingFaceConfigException(string source, string message, string? key = null, int? line = null, int? column = null, Exception? inner = null)
        : base($"{source}: {message}", inner)
    {
        Source = source;
        Key = key;
        Line = line;
        Column = column;
    }

    public new string Source { get; }

    public string? Key { get; }

    /// <summary>1-based line of a JSON syntax error.</summary>
    public int? Line { get; }

    /// <summary>1-based byte position in the line of a JSON syntax error.</summary>
    public int? Column { get; }
}
