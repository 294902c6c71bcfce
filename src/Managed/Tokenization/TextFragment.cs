namespace NativeInfer.Tokenization;

/// <summary>A stretch of the input: plain text to tokenize, or one special token found in it.</summary>
/// <param name="Start">First char (UTF-16 index) of the stretch.</param>
/// <param name="Length">Chars in the stretch.</param>
/// <param name="Token">The special token's id, or -1 for plain text.</param>
internal readonly record struct TextFragment(int Start, int Length, int Token)
{
    public bool IsText => Token < 0;
}
