using System.Globalization;
using System.Text;

namespace NativeInfer.Tokenization;

/// <summary>
/// The bytes each token decodes to, rendered once at load into one blob (llama.cpp's
/// token_to_piece cache): control, unknown and user-defined tokens as their text; normal tokens
/// un-spelled (byte-level BPE characters back to bytes, or SentencePiece "▁" back to spaces); byte
/// tokens as their byte; unused and undefined tokens as nothing. Control and unknown tokens are
/// <see cref="IsHidden">hidden</see> unless the caller asks for special tokens to be rendered.
/// </summary>
internal sealed class TokenPieces
{
    private readonly byte[] _blob;
    private readonly int[] _offsets; // piece i is _blob[_offsets[i] .. _offsets[i + 1]]
    private readonly bool[] _hidden;

    /// <exception cref="FormatException">A byte token's text is not &lt;0xXX&gt; (the message names the id).</exception>
    public TokenPieces(Vocabulary vocab, TokenizerKind kind)
    {
        _offsets = new int[vocab.Count + 1];
        _hidden = new bool[vocab.Count];
        var blob = new List<byte>(vocab.Count * 8);
        for (int id = 0; id < vocab.Count; id++)
        {
            _offsets[id] = blob.Count;
            string text = vocab.Texts[id];
            switch (vocab.Types[id])
            {
                case TokenType.Control or TokenType.Unknown:
                    _hidden[id] = true;
                    blob.AddRange(Encoding.UTF8.GetBytes(text));
                    break;
                case TokenType.UserDefined:
                    blob.AddRange(Encoding.UTF8.GetBytes(text));
                    break;
                case TokenType.Normal when kind == TokenizerKind.SentencePiece:
                    blob.AddRange(Encoding.UTF8.GetBytes(text.Replace(SentencePieceEncoder.SpaceMark, ' ')));
                    break;
                case TokenType.Normal:
                    AddByteLevel(text, blob);
                    break;
                case TokenType.Byte:
                    blob.Add(ParseByteToken(text, id));
                    break;
                default: // Unused, Undefined: nothing, as llama.cpp renders them
                    break;
            }
        }
        _offsets[vocab.Count] = blob.Count;
        _blob = blob.ToArray();
        for (int id = 0; id < vocab.Count; id++) MaxLength = Math.Max(MaxLength, _offsets[id + 1] - _offsets[id]);
    }

    /// <summary>Bytes in the longest piece.</summary>
    public int MaxLength { get; }

    public ReadOnlySpan<byte> this[int id] => _blob.AsSpan(_offsets[id], _offsets[id + 1] - _offsets[id]);

    public bool IsHidden(int id) => _hidden[id];

    /// <summary>Byte-level BPE spelling back to bytes; a character outside the alphabet renders as llama.cpp's "[UNK_BYTE_0x…]".</summary>
    private static void AddByteLevel(string text, List<byte> blob)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (Rune r in text.EnumerateRunes())
        {
            if (ByteLevelAlphabet.TryGetByte(r.Value, out byte b))
            {
                blob.Add(b);
                continue;
            }
            int n = r.EncodeToUtf8(utf8);
            var unknown = new StringBuilder("[UNK_BYTE_0x");
            for (int i = 0; i < n; i++) unknown.Append(utf8[i].ToString("x2", CultureInfo.InvariantCulture));
            unknown.Append(text).Append(']');
            blob.AddRange(Encoding.UTF8.GetBytes(unknown.ToString()));
        }
    }

    private static byte ParseByteToken(string text, int id)
    {
        if (text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && byte.TryParse(text.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value))
            return value;
        throw new FormatException($"token {id} '{text}' has type Byte but is not of the form <0xXX>");
    }
}
