namespace NativeInfer.Tokenization;

/// <summary>
/// The tokenizer metadata cannot be used: an unsupported <c>tokenizer.ggml.model</c> or
/// <c>tokenizer.ggml.pre</c>, a missing key, arrays that disagree, merges that name unknown tokens.
/// <see cref="Key"/> names the metadata key at fault when there is one.
/// </summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException(string source, string? key, string message, Exception? inner = null)
        : base($"{source}: {message}", inner)
    {
        Source = source;
        Key = key;
    }

    /// <summary>The file (or in-memory image name) the metadata came from.</summary>
    public new string Source { get; }

    /// <summary>The metadata key at fault ("tokenizer.ggml.merges"), or null.</summary>
    public string? Key { get; }
}
