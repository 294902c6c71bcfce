using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// Mistral's "v1" template with a system prompt (Mistral-7B-Instruct-v0.1/v0.2 and
/// Mixtral-8x7B-Instruct-v0.1 as updated in 2024):
/// <code>
/// {bos} [INST] {system}\n\n{user} [/INST] {assistant}{eos} [INST] {user} [/INST]
/// </code>
/// Every <c>[INST]</c> has a space before and after it, <c>[/INST]</c> a space before it, an assistant
/// reply a space before it and EOS after it. An optional system message must come first; it is put in
/// front of the first user message. After it, roles must alternate user/assistant starting with user.
/// There is no generation prompt: a conversation ending with a user turn already ends in <c> [/INST]</c>,
/// so add_generation_prompt changes nothing (as in the Jinja).
/// </summary>
internal sealed class MistralV1ChatTemplate(string bos, string eos) : IChatTemplate
{
    public const string DefaultBos = "<s>";
    public const string DefaultEos = "</s>";

    public string Name => "mistral-v1";

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplateGuard.CheckMessages(messages);
        // The Jinja reads messages[0] before its loop, which fails on an empty list.
        if (messages.Count == 0) throw new ChatConversationException(Name, 0, "the template needs at least one message (it reads messages[0])");
        string? system = messages[0].Role == ChatRole.System ? messages[0].Content : null;
        int first = system is null ? 0 : 1;

        var prompt = new StringBuilder(bos);
        for (int i = first; i < messages.Count; i++)
        {
            ChatMessage m = messages[i];
            int turn = i - first; // loop.index0 over the messages after the system message
            if ((m.Role == ChatRole.User) != (turn % 2 == 0))
                throw new ChatConversationException(Name, i, "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...");
            if (m.Role == ChatRole.User)
            {
                prompt.Append(" [INST] ");
                if (turn == 0 && system is not null) prompt.Append(system).Append("\n\n");
                prompt.Append(m.Content).Append(" [/INST]");
            }
            else if (m.Role == ChatRole.Assistant)
            {
                prompt.Append(' ').Append(m.Content).Append(eos);
            }
            else
            {
                throw new ChatConversationException(Name, i, "Only user and assistant roles are supported, with the exception of an initial optional system message!");
            }
        }
        return prompt.ToString();
    }
}
