using NativeInfer.Generation.Chat;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// A trivial chat template for tests: "role:content" (each message followed by <see cref="EndOfTurn"/>),
/// then "assistant:" when a generation prompt is asked for. Content is rendered verbatim, so a rendering
/// continues the previous prompt followed by the reply.
/// </summary>
internal sealed class TestChatFormatter(string endOfTurn = "\n") : IChatPromptFormatter
{
    public string EndOfTurn { get; } = endOfTurn;

    public string Format(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt)
    {
        var sb = new System.Text.StringBuilder();
        foreach (ChatTurn m in messages) sb.Append(m.Role).Append(':').Append(m.Content).Append(EndOfTurn);
        if (addGenerationPrompt) sb.Append("assistant:");
        return sb.ToString();
    }
}
