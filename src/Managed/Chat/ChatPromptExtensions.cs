using NativeInfer.Tokenization;

namespace NativeInfer.Chat;

/// <summary>
/// Tokenizing a rendered chat prompt. The text already holds the template's special tokens (BOS,
/// end-of-turn markers) as text, so it is encoded with <c>parseSpecial: true</c> and without adding BOS
/// — which alone is what Hugging Face's <c>apply_chat_template(tokenize=True)</c> does. On top of that,
/// when the model expects a BOS (<see cref="Tokenizer.AddBos"/>) and the prompt does not start with one
/// (ChatML templates never render it), BOS is put in front, as llama.cpp does. So the prompt gets exactly
/// one BOS when the model wants one, and never two.
/// </summary>
public static class ChatPromptExtensions
{
    /// <summary>Token ids of a prompt rendered by an <see cref="IChatTemplate"/> (see the class remarks).</summary>
    public static int[] EncodePrompt(this Tokenizer tokenizer, string prompt)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompt);
        int[] ids = tokenizer.Encode(prompt, addBos: false, parseSpecial: true);
        if (!tokenizer.AddBos || tokenizer.Bos < 0 || (ids.Length > 0 && ids[0] == tokenizer.Bos)) return ids;
        var withBos = new int[ids.Length + 1];
        withBos[0] = tokenizer.Bos;
        ids.CopyTo(withBos, 1);
        return withBos;
    }

    /// <summary>Renders <paramref name="messages"/> with <paramref name="template"/> and tokenizes the result.</summary>
    public static int[] EncodePrompt(this Tokenizer tokenizer, IChatTemplate template, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(template);
        return tokenizer.EncodePrompt(template.Render(messages, addGenerationPrompt));
    }
}
