using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// Mistral's template before system prompts (Mistral-7B-Instruct-v0.1/v0.2 and
/// Mixtral-8x7B-Instruct-v0.1 as first published, and most of their GGUF conversions):
/// <code>
/// {bos}[INST] {user} [/INST]{assistant}{eos}[INST] {user} [/INST]
/// </code>
/// No space before <c>[INST]</c> or the reply. Mistral-7B-Instruct-v0.1's version adds a space after
/// EOS (<paramref name="spaceAfterEos"/>). Roles must alternate user/assistant starting with user; a
/// system message is an error. No generation prompt (the prompt already ends in <c> [/INST]</c>).
/// </summary>
internal sealed class MistralLegacyChatTemplate(string bos, string eos, bool spaceAfterEos) : IChatTemplate
{
    public string Name => "mistral-legacy";

    /// <summary>True for Mistral-7B-Instruct-v0.1's version (<c>eos_token + ' '</c>).</summary>
    public bool SpaceAfterEos => spaceAfterEos;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplateGuard.CheckMessages(messages);
        var prompt = new StringBuilder(bos);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage m = messages[i];
            if ((m.Role == ChatRole.User) != (i % 2 == 0))
                throw new ChatConversationException(Name, i, "Conversation roles must alternate user/assistant/user/assistant/...");
            if (m.Role == ChatRole.User)
            {
                prompt.Append("[INST] ").Append(m.Content).Append(" [/INST]");
            }
            else if (m.Role == ChatRole.Assistant)
            {
                prompt.Append(m.Content).Append(eos);
                if (spaceAfterEos) prompt.Append(' ');
            }
            else
            {
                throw new ChatConversationException(Name, i, "Only user and assistant roles are supported!");
            }
        }
        return prompt.ToString();
    }
}
