using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// Qwen3's hybrid-thinking template (Qwen3-0.6B … 32B, Qwen3-30B-A3B, Qwen3-235B-A22B): the messages as
/// <see cref="Qwen3Conversation"/> writes them, then the generation prompt <c>&lt;|im_start|&gt;assistant\n</c>,
/// followed by an empty <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> block when <c>enable_thinking</c> is false
/// (the model then answers without reasoning). Not set or true: the model opens its own <c>&lt;think&gt;</c> block.
/// </summary>
internal sealed class Qwen3ChatTemplate(bool? enableThinking) : IThinkingChatTemplate
{
    public const string EmptyThinking = "<think>\n\n</think>\n\n";

    public string Name => "qwen3";

    public bool? EnableThinking => enableThinking;

    public IThinkingChatTemplate WithThinking(bool? enableThinking) => new Qwen3ChatTemplate(enableThinking);

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var prompt = new StringBuilder();
        Qwen3Conversation.Append(prompt, messages, Name);
        if (addGenerationPrompt)
        {
            prompt.Append("<|im_start|>assistant\n");
            if (enableThinking == false) prompt.Append(EmptyThinking);
        }
        return prompt.ToString();
    }
}
