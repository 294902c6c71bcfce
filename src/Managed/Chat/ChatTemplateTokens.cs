namespace NativeInfer.Chat;

/// <summary>
/// The texts of Jinja's <c>bos_token</c> and <c>eos_token</c> for a renderer; null means the family's
/// default (what the model family's tokenizer config says).
/// </summary>
internal readonly record struct ChatTemplateTokens(string? Bos, string? Eos);
