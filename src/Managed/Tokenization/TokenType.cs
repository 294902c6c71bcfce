namespace NativeInfer.Tokenization;

/// <summary>Token types as GGUF stores them in <c>tokenizer.ggml.token_type</c> (llama.cpp's <c>llama_token_type</c>).</summary>
public enum TokenType
{
    /// <summary>Not set; decodes to nothing.</summary>
    Undefined = 0,

    /// <summary>Ordinary text.</summary>
    Normal = 1,

    /// <summary>The unknown token (SentencePiece's &lt;unk&gt;); special.</summary>
    Unknown = 2,

    /// <summary>Control tokens (BOS, EOS, chat markers): special, matched in text only when special-token parsing is on.</summary>
    Control = 3,

    /// <summary>Added tokens that are not special: always matched in text before pre-tokenization, decoded verbatim.</summary>
    UserDefined = 4,

    /// <summary>Reserved slots; decode to nothing.</summary>
    Unused = 5,

    /// <summary>SentencePiece byte-fallback tokens &lt;0xXX&gt;: decode to that one byte.</summary>
    Byte = 6,
}
