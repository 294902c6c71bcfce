namespace NativeInfer.Tokenization;

/// <summary>Turns one stretch of plain text (no special tokens in it) into token ids.</summary>
internal abstract class TextEncoder
{
    /// <param name="text">The stretch.</param>
    /// <param name="afterSpecial">True at the start of the input and right after a special token
    /// (SentencePiece inserts its space prefix there).</param>
    public abstract void Encode(ReadOnlySpan<char> text, bool afterSpecial, List<int> output, EncodeScratch scratch);
}
