using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// The Qwen3 2507 templates, one mode each and no switch: the messages as <see cref="Qwen3Conversation"/> writes
/// them, then <c>&lt;|im_start|&gt;assistant\n</c>, followed by <c>&lt;think&gt;\n</c> for the Thinking models
/// (<paramref name="opensThinking"/>; the model's reply then holds its reasoning and <c>&lt;/think&gt;</c>).
/// </summary>
internal sealed class Qwen3SingleModeChatTemplate(bool opensThinking) : IChatTemplate
{
    public string Name => "qwen3";

    /// <summary>True for Qwen3-*-Thinking-2507, whose generation prompt opens the reasoning.</summary>
    public bool OpensThinking => opensThinking;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var prompt = new StringBuilder();
        Qwen3Conversation.Append(prompt, messages, Name);
        if (addGenerationPrompt) prompt.Append(opensThinking ? "<|im_start|>assistant\n<think>\n" : "<|im_start|>assistant\n");
        return prompt.ToString();
    }
}
