namespace NativeInfer.Tokenization;

/// <summary>The tokenizer algorithm, from <c>tokenizer.ggml.model</c>.</summary>
public enum TokenizerKind
{
    /// <summary><c>gpt2</c>: byte-level BPE with ranked merges and a regex pre-tokenizer (GPT-2, Llama 3, DeepSeek, Qwen).</summary>
    ByteLevelBpe,

    /// <summary><c>llama</c>: SentencePiece BPE with scores, "▁" for spaces and &lt;0xXX&gt; byte fallback (Llama 1/2, Mistral).</summary>
    SentencePiece,
}
