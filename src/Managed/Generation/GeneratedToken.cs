namespace NativeInfer.Generation;

/// <summary>
/// One streamed token: its id and the text it released. A struct over the stream's own buffer —
/// <b><see cref="Text"/> is valid only until the stream moves to the next item</b>; copy it
/// (<c>Text.ToString()</c>, <c>Text.Span.CopyTo</c>) to keep it. Creating one allocates nothing.
/// </summary>
/// <remarks>
/// <see cref="Text"/> is the text that became final with this token, which is not always this token's own
/// text: bytes of a character split over tokens are held back until the character is complete, and text
/// that could be the start of a stop string is held back until it is known not to be. The last item
/// (<see cref="FinishReason"/> ≠ None) releases whatever is still held; a stop token itself adds no text.
/// Concatenating every item's text gives the generated text, without the stop string.
/// </remarks>
public readonly struct GeneratedToken
{
    internal GeneratedToken(int tokenId, ReadOnlyMemory<char> text, int index, FinishReason finishReason)
    {
        TokenId = tokenId;
        Text = text;
        Index = index;
        FinishReason = finishReason;
    }

    /// <summary>The sampled token id.</summary>
    public int TokenId { get; }

    /// <summary>The text released with this token (often empty); valid until the next item.</summary>
    public ReadOnlyMemory<char> Text { get; }

    /// <summary>0 for the first token of the generation, then 1, 2, …</summary>
    public int Index { get; }

    /// <summary>None, except on the last item of the generation.</summary>
    public FinishReason FinishReason { get; }

    /// <summary>Whether this is the last item.</summary>
    public bool IsLast => FinishReason != FinishReason.None;

    public override string ToString() => $"{TokenId} \"{Text}\"{(IsLast ? $" ({FinishReason})" : "")}";
}
