namespace NativeInfer.Chat;

/// <summary>
/// The template rejects the conversation, as its Jinja would (<c>raise_exception</c>): e.g. Mistral's
/// templates require user and assistant turns to alternate and allow a system message only first.
/// </summary>
public sealed class ChatConversationException : ArgumentException
{
    internal ChatConversationException(string template, int messageIndex, string message)
        : base($"chat template '{template}', message {messageIndex}: {message}", "messages")
    {
        Template = template;
        MessageIndex = messageIndex;
    }

    /// <summary>The family (template name) that rejected the conversation.</summary>
    public string Template { get; }

    /// <summary>Index in the messages list of the first message the template rejects.</summary>
    public int MessageIndex { get; }
}
