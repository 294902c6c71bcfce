using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// DeepSeek-V3 and DeepSeek-R1 (and the R1 distills), all published versions (<see cref="DeepSeekV3Format"/>):
/// <code>
/// {bos}{system}&lt;｜User｜&gt;{user}&lt;｜Assistant｜&gt;{assistant}&lt;｜end▁of▁sentence｜&gt;&lt;｜User｜&gt;{user}&lt;｜Assistant｜&gt;
/// </code>
/// System messages, wherever they occur, make the system prompt in front (joined by a blank line, or the last
/// one for the distills). R1's templates drop an earlier reply's reasoning (everything up to its last
/// <c>&lt;/think&gt;</c>) and, since an update after their first release, end the generation prompt with <c>&lt;think&gt;\n</c>.
/// The tool-call parts of the Jinja are not rendered: a <see cref="ChatMessage"/> has no tool role or tool calls.
/// </summary>
internal sealed class DeepSeekV3ChatTemplate(string name, string bos, DeepSeekV3Format format) : IChatTemplate
{
    public string Name => name;

    public DeepSeekV3Format Format => format;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplateGuard.CheckMessages(messages);
        var prompt = new StringBuilder(bos);
        AppendSystemPrompt(prompt, messages);
        bool lastWasUser = false;
        foreach (ChatMessage m in messages)
        {
            if (m.Role == ChatRole.User)
            {
                prompt.Append(DeepSeekV3Format.UserTag).Append(m.Content);
                if (format.UserTurnOpensReply) prompt.Append(DeepSeekV3Format.AssistantTag);
                lastWasUser = true;
            }
            else if (m.Role == ChatRole.Assistant)
            {
                if (!format.UserTurnOpensReply) prompt.Append(DeepSeekV3Format.AssistantTag);
                string content = format.RemovesReasoning ? ChatTemplateGuard.PythonSplitLast(m.Content, "</think>") : m.Content;
                prompt.Append(content).Append(DeepSeekV2ChatTemplate.DefaultEos);
                lastWasUser = false;
            }
        }
        if (addGenerationPrompt && !(format.UserTurnOpensReply && lastWasUser)) prompt.Append(format.GenerationPrompt);
        return prompt.ToString();
    }

    private void AppendSystemPrompt(StringBuilder prompt, IReadOnlyList<ChatMessage> messages)
    {
        bool first = true;
        string? last = null;
        foreach (ChatMessage m in messages)
        {
            if (m.Role != ChatRole.System) continue;
            if (format.KeepsOnlyLastSystemPrompt)
            {
                last = m.Content;
                continue;
            }
            if (!first) prompt.Append("\n\n");
            prompt.Append(m.Content);
            first = false;
        }
        if (last is not null) prompt.Append(last);
    }
}
