using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// The messages part of Qwen3's templates (the hybrid one and both 2507 ones write it the same way):
/// ChatML (<c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>) with a system message first written
/// as the system block, and an assistant message's reasoning (what precedes its <c>&lt;/think&gt;</c>)
/// kept only after the last user query, in a <c>&lt;think&gt;\n…\n&lt;/think&gt;\n\n</c> block. No default
/// system prompt. The tool parts of the Jinja are not rendered (a <see cref="ChatMessage"/> has no tool role).
/// </summary>
internal static class Qwen3Conversation
{
    private const string ToolResponseOpen = "<tool_response>", ToolResponseClose = "</tool_response>";

    /// <summary>Appends the system block and every message. An empty conversation is an error, as in the Jinja (it reads <c>messages[0]</c>).</summary>
    public static void Append(StringBuilder prompt, IReadOnlyList<ChatMessage> messages, string templateName)
    {
        ChatTemplateGuard.CheckMessages(messages);
        if (messages.Count == 0) throw new ChatConversationException(templateName, 0, "the template needs at least one message (it reads messages[0])");
        if (messages[0].Role == ChatRole.System) prompt.Append("<|im_start|>system\n").Append(messages[0].Content).Append("<|im_end|>\n");
        int lastQuery = LastQueryIndex(messages);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage m = messages[i];
            if (m.Role == ChatRole.Assistant)
                AppendAssistant(prompt, m.Content, showReasoning: i > lastQuery, isLast: i == messages.Count - 1);
            else if (m.Role == ChatRole.User || i > 0)
                prompt.Append("<|im_start|>").Append(m.RoleName).Append('\n').Append(m.Content).Append("<|im_end|>\n");
        }
    }

    /// <summary>
    /// <c>ns.last_query_index</c>: the last user message that is not a tool result wrapped in
    /// <c>&lt;tool_response&gt;…&lt;/tool_response&gt;</c>; the last index when there is none.
    /// </summary>
    private static int LastQueryIndex(IReadOnlyList<ChatMessage> messages)
    {
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            ChatMessage m = messages[i];
            if (m.Role == ChatRole.User && !(m.Content.StartsWith(ToolResponseOpen, StringComparison.Ordinal) && m.Content.EndsWith(ToolResponseClose, StringComparison.Ordinal)))
                return i;
        }
        return messages.Count - 1;
    }

    private static void AppendAssistant(StringBuilder prompt, string message, bool showReasoning, bool isLast)
    {
        string content = message, reasoning = "";
        if (message.Contains("</think>", StringComparison.Ordinal))
        {
            content = ChatTemplateGuard.PythonSplitLast(message, "</think>").TrimStart('\n');
            reasoning = ChatTemplateGuard.PythonSplitLast(ChatTemplateGuard.PythonSplitFirst(message, "</think>").TrimEnd('\n'), "<think>").TrimStart('\n');
        }
        prompt.Append("<|im_start|>assistant\n");
        // After the last query the reasoning stays: always for the final message, otherwise when there is some.
        if (showReasoning && (isLast || reasoning.Length > 0))
            prompt.Append("<think>\n").Append(reasoning.Trim('\n')).Append("\n</think>\n\n").Append(content.TrimStart('\n'));
        else
            prompt.Append(content);
        prompt.Append("<|im_end|>\n");
    }
}
