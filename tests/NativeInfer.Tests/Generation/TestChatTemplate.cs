using NativeInfer.Chat;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// A trivial chat template for tests: "role:content" (each message followed by <see cref="EndOfTurn"/>),
/// then "assistant:" when a generation prompt is asked for. Content is rendered verbatim, so a rendering
/// continues the previous prompt followed by the reply.
/// </summary>
internal sealed class TestChatTemplate(string endOfTurn = "\n") : IChatTemplate
{
    public string Name => "test";

    public string EndOfTurn { get; } = endOfTurn;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var sb = new System.Text.StringBuilder();
        foreach (ChatMessage m in messages) sb.Append(m.Role.ToString().ToLowerInvariant()).Append(':').Append(m.Content).Append(EndOfTurn);
        if (addGenerationPrompt) sb.Append("assistant:");
        return sb.ToString();
    }
}
