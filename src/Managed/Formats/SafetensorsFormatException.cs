namespace NativeInfer.Formats;

/// <summary>A safetensors file or index is malformed; the message names the file and the problem (tensor, field, offset).</summary>
public sealed class SafetensorsFormatException : Exception
{
    public SafetensorsFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: invalid safetensors: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    public new string Source { get; }

    /// <summary>The message without the file prefix.</summary>
    public string Problem { get; }
}
