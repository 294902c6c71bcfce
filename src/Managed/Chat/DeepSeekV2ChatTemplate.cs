using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// DeepSeek-V2 / V2-Lite Chat (and DeepSeek-Coder-V2 Instruct):
/// <code>
/// {bos}{system}\n\nUser: {user}\n\nAssistant: {assistant}{eos}User: {user}\n\nAssistant:
/// </code>
/// A system message is its bare content plus a blank line, wherever it occurs; the generation prompt
/// is "Assistant:" with no trailing space (the model writes the space).
/// </summary>
internal sealed class DeepSeekV2ChatTemplate(string bos, string eos) : IChatTemplate
{
    public const string DefaultBos = "<\uFF5Cbegin\u2581of\u2581sentence\uFF5C>"; // <｜begin▁of▁sentence｜>
    public const string DefaultEos = "<\uFF5Cend\u2581of\u2581sentence\uFF5C>";   // <｜end▁of▁sentence｜>

    public string Name => "deepseek-v2";

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplateGuard.CheckMessages(messages);
        var prompt = new StringBuilder(bos);
        foreach (ChatMessage m in messages)
        {
            switch (m.Role)
            {
                case ChatRole.User: prompt.Append("User: ").Append(m.Content).Append("\n\n"); break;
                case ChatRole.Assistant: prompt.Append("Assistant: ").Append(m.Content).Append(eos); break;
                default: prompt.Append(m.Content).Append("\n\n"); break;
            }
        }
        if (addGenerationPrompt) prompt.Append("Assistant:");
        return prompt.ToString();
    }
}
