namespace NativeInfer.Chat;

/// <summary>
/// Overrides for choosing a chat template. Precedence: <see cref="Template"/>, then <see cref="Family"/>,
/// then detection from the model's <c>tokenizer.chat_template</c>. With either override an unknown or
/// missing template is not an error.
/// </summary>
public sealed record ChatTemplateOptions
{
    /// <summary>Your own formatter; used as is (nothing is read from the model; <see cref="EnableThinking"/> still applies).</summary>
    public IChatTemplate? Template { get; init; }

    /// <summary>Force a family by name or alias ("deepseek-v2", "qwen2", "llama3", "mistral-v1", …) instead of detecting it.</summary>
    public string? Family { get; init; }

    /// <summary>The text of Jinja's <c>bos_token</c>. Default: the model's BOS token (GGUF vocabulary), else the family's.</summary>
    public string? BosToken { get; init; }

    /// <summary>The text of Jinja's <c>eos_token</c>. Default: the model's EOS token (GGUF vocabulary), else the family's.</summary>
    public string? EosToken { get; init; }

    /// <summary>
    /// Jinja's <c>enable_thinking</c> for a template with that switch (<see cref="IThinkingChatTemplate"/>: Qwen3's
    /// hybrid-thinking template); false makes the model answer without reasoning. Null (default) leaves it unset,
    /// which those templates treat as thinking on. Setting it for a template without the switch is a
    /// <see cref="ChatTemplateException"/>.
    /// </summary>
    public bool? EnableThinking { get; init; }
}
