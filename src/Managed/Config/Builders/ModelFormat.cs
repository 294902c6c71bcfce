namespace NativeInfer.Config.Builders;

/// <summary>Which description of a model a builder reads.</summary>
public enum ModelFormat
{
    /// <summary>GGUF metadata (<c>general.architecture</c>, <c>{arch}.*</c> keys, <c>tokenizer.ggml.*</c>).</summary>
    Gguf,

    /// <summary>A Hugging Face config.json (<c>architectures</c>, <c>hidden_size</c>, ...).</summary>
    HuggingFace,
}
