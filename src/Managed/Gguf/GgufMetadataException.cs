namespace NativeInfer.Gguf;

/// <summary>
/// A metadata key is missing, or holds a different type than the caller asked for. The file itself
/// may be fine; the caller's expectation is not met.
/// </summary>
public sealed class GgufMetadataException : Exception
{
    public GgufMetadataException(string source, string key, string expected, string? actual)
        : base(Diagnostics.DisplayText.Escape(actual is null
            ? $"{source}: metadata key '{key}' is missing (expected {expected})"
            : $"{source}: metadata key '{key}' is {actual}, expected {expected}"))
    {
        Source = source;
        Key = key;
        Expected = expected;
        Actual = actual;
    }

    public new string Source { get; }

    public string Key { get; }

    /// <summary>What the caller asked for ("UInt32", "array of Float32", "an integer").</summary>
    public string Expected { get; }

    /// <summary>What the file holds ("Int32", "array of String [102400]"), or null when the key is missing.</summary>
    public string? Actual { get; }

    public bool IsMissing => Actual is null;
}
