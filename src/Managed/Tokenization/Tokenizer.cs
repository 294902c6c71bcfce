using System.Text;
using NativeInfer.Gguf;

namespace NativeInfer.Tokenization;

/// <summary>
/// Text ↔ token ids for a GGUF model's vocabulary, reproducing llama.cpp's tokenizer: byte-level BPE
/// (<c>tokenizer.ggml.model = gpt2</c>) with its pre-tokenizers, and SentencePiece BPE (<c>llama</c>).
/// Build one with <see cref="FromGguf"/>; it is immutable and thread-safe (each encode call uses its
/// own scratch; one spare is kept so a single caller allocates nothing after warm-up but the result).
/// See docs/tokenizers.md.
/// </summary>
public sealed class Tokenizer
{
    private readonly Vocabulary _vocab;
    private readonly TextEncoder _encoder;
    private readonly SpecialTokenMatcher _specials;
    private readonly TokenPieces _pieces;
    private readonly HashSet<int> _endOfGeneration;
    private readonly IReadOnlyList<int> _endOfGenerationIds;
    private EncodeScratch? _spare;

    internal Tokenizer(string source, TokenizerKind kind, string preTokenizer, Vocabulary vocab, TextEncoder encoder,
                       TokenizerSpecialIds ids, bool addBos, bool addEos, bool addSpacePrefix)
    {
        Source = source;
        Kind = kind;
        PreTokenizer = preTokenizer;
        _vocab = vocab;
        _encoder = encoder;
        Bos = ids.Bos;
        Eos = ids.Eos;
        Unknown = ids.Unknown;
        Padding = ids.Padding;
        AddBos = addBos;
        AddEos = addEos;
        AddSpacePrefix = addSpacePrefix;
        _specials = new SpecialTokenMatcher(vocab);
        _pieces = new TokenPieces(vocab, kind);
        _endOfGeneration = ids.EndOfGeneration;
        _endOfGenerationIds = Array.AsReadOnly(ids.EndOfGeneration.Order().ToArray());
    }

    internal Vocabulary Vocabulary => _vocab;

    internal TextEncoder Encoder => _encoder;

    /// <summary>Reads the tokenizer of a GGUF file (vocabulary-only files work too).</summary>
    /// <exception cref="TokenizerException">Unsupported model or pre-tokenizer, missing or malformed metadata.</exception>
    public static Tokenizer FromGguf(GgufFile file) => TokenizerLoader.Load(file.Metadata);

    /// <inheritdoc cref="FromGguf"/>
    public static Tokenizer FromMetadata(GgufMetadata metadata) => TokenizerLoader.Load(metadata);

    /// <summary>The file the vocabulary came from.</summary>
    public string Source { get; }

    public TokenizerKind Kind { get; }

    /// <summary><c>tokenizer.ggml.pre</c> ("default" when the file has none; "spm" for SentencePiece).</summary>
    public string PreTokenizer { get; }

    public int VocabSize => _vocab.Count;

    /// <summary>Beginning-of-sequence id, or -1 when the vocabulary has none.</summary>
    public int Bos { get; }

    /// <summary>End-of-sequence id, or -1.</summary>
    public int Eos { get; }

    /// <summary>The unknown token's id, or -1.</summary>
    public int Unknown { get; }

    /// <summary>The padding token's id, or -1.</summary>
    public int Padding { get; }

    /// <summary>Whether the model expects BOS in front of a prompt (<c>tokenizer.ggml.add_bos_token</c>, else llama.cpp's default).</summary>
    public bool AddBos { get; }

    /// <summary>Whether the model expects EOS after a prompt (<c>tokenizer.ggml.add_eos_token</c>).</summary>
    public bool AddEos { get; }

    /// <summary>SentencePiece only: a space is inserted at the start and after special tokens (<c>tokenizer.ggml.add_space_prefix</c>, default true).</summary>
    public bool AddSpacePrefix { get; }

    /// <summary>Bytes in the longest token piece (sizing hint for span-based decoding).</summary>
    public int MaxTokenBytes => _pieces.MaxLength;

    // ------------------------------------------------------------------ encoding

    /// <summary>Token ids of <paramref name="text"/>.</summary>
    /// <param name="addBos">Put <see cref="Bos"/> first (pass <see cref="AddBos"/> for what the model expects).</param>
    /// <param name="parseSpecial">Map control-token texts in the input ("&lt;｜begin▁of▁sentence｜&gt;") to
    /// their ids; when false they are tokenized as plain text. User-defined tokens are always matched, as in llama.cpp.</param>
    /// <param name="addEos">Put <see cref="Eos"/> last.</param>
    public int[] Encode(string text, bool addBos = false, bool parseSpecial = false, bool addEos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length / 3 + 4);
        Encode(text, output, addBos, parseSpecial, addEos);
        return output.ToArray();
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/> (see the other overload).</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output, bool addBos = false, bool parseSpecial = false, bool addEos = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (addBos) output.Add(Bos >= 0 ? Bos : throw new InvalidOperationException($"{Source}: the vocabulary has no BOS token"));
        EncodeScratch scratch = Interlocked.Exchange(ref _spare, null) ?? new EncodeScratch();
        try
        {
            _specials.Split(text, parseSpecial, scratch);
            bool afterSpecial = true;
            // Fragments live in the scratch and are copied out one at a time, as encoders reuse it.
            for (int i = 0; i < scratch.Fragments.Count; i++)
            {
                TextFragment f = scratch.Fragments[i];
                if (f.IsText)
                {
                    _encoder.Encode(text.Slice(f.Start, f.Length), afterSpecial, output, scratch);
                    afterSpecial = false;
                }
                else
                {
                    output.Add(f.Token);
                    afterSpecial = true;
                }
            }
        }
        finally
        {
            _spare = scratch;
        }
        if (addEos) output.Add(Eos >= 0 ? Eos : throw new InvalidOperationException($"{Source}: the vocabulary has no EOS token"));
    }

    // ------------------------------------------------------------------ decoding

    /// <summary>
    /// The text of <paramref name="ids"/>: token pieces concatenated, then UTF-8 decoded (bytes that
    /// do not form a character become U+FFFD). Control and unknown tokens are left out unless
    /// <paramref name="renderSpecial"/>. With SentencePiece's space prefix, one leading space of the first
    /// piece that has text is dropped, so <c>Decode(Encode(text))</c> gives back <c>text</c>.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool renderSpecial = false)
    {
        int total = 0;
        foreach (int id in ids) total += Piece(id, renderSpecial).Length;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            int length = 0;
            bool stripSpace = AddSpacePrefix;
            foreach (int id in ids)
            {
                ReadOnlySpan<byte> piece = Piece(id, renderSpecial);
                if (piece.IsEmpty) continue;
                if (stripSpace && piece[0] == (byte)' ') piece = piece[1..];
                stripSpace = false;
                piece.CopyTo(buffer.AsSpan(length));
                length += piece.Length;
            }
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A decoder for ids arriving one at a time (generation) that returns only complete characters.
    /// </summary>
    /// <param name="renderSpecial">Render control and unknown tokens as their text.</param>
    /// <param name="stripSpacePrefix">The ids start a text this tokenizer encoded: drop SentencePiece's
    /// space prefix as <see cref="Decode"/> does. Leave false when continuing after a prompt.</param>
    public StreamingDecoder CreateStreamingDecoder(bool renderSpecial = false, bool stripSpacePrefix = false) =>
        new(this, renderSpecial, stripSpacePrefix && AddSpacePrefix);

    /// <summary>The bytes token <paramref name="id"/> decodes to (empty for hidden special tokens unless <paramref name="renderSpecial"/>).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id, bool renderSpecial = true) => Piece(id, renderSpecial);

    internal ReadOnlySpan<byte> Piece(int id, bool renderSpecial)
    {
        CheckId(id);
        return !renderSpecial && _pieces.IsHidden(id) ? default : _pieces[id];
    }

    // ------------------------------------------------------------------ the vocabulary

    /// <summary>The token's string as the vocabulary stores it ("Ġworld", "▁world", "&lt;0x0A&gt;").</summary>
    public string TokenText(int id)
    {
        CheckId(id);
        return _vocab.Texts[id];
    }

    public TokenType GetTokenType(int id)
    {
        CheckId(id);
        return _vocab.Types[id];
    }

    /// <summary>SentencePiece score (0 for byte-level BPE).</summary>
    public float Score(int id)
    {
        CheckId(id);
        return _vocab.Scores[id];
    }

    public bool IsControl(int id) => GetTokenType(id) == TokenType.Control;

    /// <summary>Control or unknown: hidden when decoding unless asked for, matched in text only when parsing special tokens.</summary>
    public bool IsSpecial(int id) => GetTokenType(id) is TokenType.Control or TokenType.Unknown;

    /// <summary>
    /// Whether generation should stop at <paramref name="id"/>: EOS, <c>tokenizer.ggml.eot_token_id</c> /
    /// <c>eom_token_id</c>, and control tokens whose text is a known end-of-turn marker ("&lt;|eot_id|&gt;", "&lt;|im_end|&gt;", …).
    /// </summary>
    public bool IsEndOfGeneration(int id) => _endOfGeneration.Contains(id);

    /// <summary>All end-of-generation ids (see <see cref="IsEndOfGeneration"/>), ascending.</summary>
    public IReadOnlyList<int> EndOfGenerationIds => _endOfGenerationIds;

    /// <summary>The id whose vocabulary string is exactly <paramref name="text"/>.</summary>
    public bool TryGetId(ReadOnlySpan<char> text, out int id) => _vocab.TryGetId(text, out id);

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_vocab.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in [0, {_vocab.Count})");
    }
}
