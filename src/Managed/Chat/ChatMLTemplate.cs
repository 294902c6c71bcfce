using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// ChatML, as Qwen2 (and Qwen1.5) use it: every message is
/// <code>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</code>
/// and the generation prompt is <c>&lt;|im_start|&gt;assistant\n</c>. No BOS. With a default system prompt
/// (Qwen's templates), a conversation whose first message is not a system message gets
/// <c>&lt;|im_start|&gt;system\n{default}&lt;|im_end|&gt;\n</c> in front of it; an empty conversation gets nothing.
/// </summary>
internal sealed class ChatMLTemplate(string name, string? defaultSystemPrompt) : IChatTemplate
{
    public const string Qwen2SystemPrompt = "You are a helpful assistant.";
    public const string Qwen15SystemPrompt = "You are a helpful assistant"; // Qwen1.5's template has no full stop

    public string Name => name;

    /// <summary>The system prompt used when the conversation does not start with one; null for plain ChatML.</summary>
    public string? DefaultSystemPrompt => defaultSystemPrompt;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplateGuard.CheckMessages(messages);
        var prompt = new StringBuilder();
        if (defaultSystemPrompt is not null && messages.Count > 0 && messages[0].Role != ChatRole.System)
            prompt.Append("<|im_start|>system\n").Append(defaultSystemPrompt).Append("<|im_end|>\n");
        foreach (ChatMessage m in messages)
            prompt.Append("<|im_start|>").Append(m.RoleName).Append('\n').Append(m.Content).Append("<|im_end|>\n");
        if (addGenerationPrompt) prompt.Append("<|im_start|>assistant\n");
        return prompt.ToString();
    }
}
