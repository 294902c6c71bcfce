namespace NativeInfer.Chat;

/// <summary>
/// Turns a conversation into the prompt text a model was trained on. Implementations must be
/// stateless and thread-safe. The text may contain special-token texts (BOS, end-of-turn markers):
/// tokenize it with <c>parseSpecial: true, addBos: false</c> (see <see cref="ChatPromptExtensions.EncodePrompt"/>).
/// </summary>
public interface IChatTemplate
{
    /// <summary>The family name ("deepseek-v2", "qwen2", …) or, for a custom template, whatever it calls itself.</summary>
    string Name { get; }

    /// <summary>The prompt for <paramref name="messages"/>.</summary>
    /// <param name="addGenerationPrompt">Append what opens the assistant's reply (Jinja's <c>add_generation_prompt</c>).</param>
    /// <exception cref="ChatConversationException">The template rejects the conversation (e.g. roles that do not alternate).</exception>
    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);
}
