using System.Buffers;
using System.Text.Unicode;

namespace NativeInfer.Tokenization;

/// <summary>
/// Decodes ids fed one at a time into text, returning only complete characters. A character whose
/// UTF-8 bytes are split over several tokens (byte-level BPE splits most emoji and many CJK
/// characters that way; SentencePiece emits &lt;0xXX&gt; byte tokens) is held back until its last byte
/// arrives, never emitted as U+FFFD. Bytes that can never start a valid character are emitted as
/// U+FFFD at once; <see cref="Flush"/> emits an unfinished tail as U+FFFD too.
/// Concatenating everything returned equals <see cref="Tokenizer.Decode"/> of the same ids
/// (with <c>stripSpacePrefix</c> for a text that starts at the ids' first token).
/// <para>Allocation: the string overloads allocate only the string they return (none when nothing is
/// complete); the span overloads allocate nothing. Not thread-safe: one decoder per stream.</para>
/// </summary>
public sealed class StreamingDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _renderSpecial;
    private readonly bool _stripSpacePrefix;
    private readonly byte[] _bytes; // held-back bytes (at most 3) followed by the newest piece
    private readonly char[] _chars;
    private int _held;
    private bool _stripPending;

    internal StreamingDecoder(Tokenizer tokenizer, bool renderSpecial, bool stripSpacePrefix)
    {
        _tokenizer = tokenizer;
        _renderSpecial = renderSpecial;
        _stripSpacePrefix = stripSpacePrefix;
        _stripPending = stripSpacePrefix;
        MaxCharsPerToken = tokenizer.MaxTokenBytes + 4;
        _bytes = new byte[MaxCharsPerToken];
        _chars = new char[MaxCharsPerToken];
    }

    /// <summary>The most chars one <see cref="Append(int, Span{char})"/> or <see cref="Flush(Span{char})"/> can write.</summary>
    public int MaxCharsPerToken { get; }

    /// <summary>Bytes held back waiting for the rest of a character.</summary>
    public int HeldBytes => _held;

    /// <summary>Adds a token; returns the text it completes (often empty while a character is split).</summary>
    public string Append(int id)
    {
        int n = Append(id, _chars);
        return n == 0 ? string.Empty : new string(_chars, 0, n);
    }

    /// <summary>Adds a token and writes the text it completes to <paramref name="destination"/>
    /// (room for <see cref="MaxCharsPerToken"/> chars always suffices); returns the chars written.</summary>
    public int Append(int id, Span<char> destination)
    {
        ReadOnlySpan<byte> piece = _tokenizer.Piece(id, _renderSpecial);
        if (piece.IsEmpty) return 0;
        if (_stripPending)
        {
            if (piece[0] == (byte)' ') piece = piece[1..];
            _stripPending = false;
        }
        piece.CopyTo(_bytes.AsSpan(_held));
        return Convert(_held + piece.Length, destination, final: false);
    }

    /// <summary>Ends the stream: returns what is held back (an unfinished character as U+FFFD) and resets.</summary>
    public string Flush()
    {
        int n = Flush(_chars);
        return n == 0 ? string.Empty : new string(_chars, 0, n);
    }

    /// <inheritdoc cref="Flush()"/>
    public int Flush(Span<char> destination)
    {
        int n = _held == 0 ? 0 : Convert(_held, destination, final: true);
        Reset();
        return n;
    }

    /// <summary>Drops anything held back and starts a new stream.</summary>
    public void Reset()
    {
        _held = 0;
        _stripPending = _stripSpacePrefix;
    }

    private int Convert(int count, Span<char> destination, bool final)
    {
        OperationStatus status = Utf8.ToUtf16(_bytes.AsSpan(0, count), destination, out int read, out int written,
                                              replaceInvalidSequences: true, isFinalBlock: final);
        if (status == OperationStatus.DestinationTooSmall)
            throw new ArgumentException($"destination needs room for {MaxCharsPerToken} chars", nameof(destination));
        // NeedMoreData: the tail is the start of a valid character; keep it for the next token.
        _held = count - read;
        if (_held > 0) _bytes.AsSpan(read, _held).CopyTo(_bytes);
        return written;
    }
}
