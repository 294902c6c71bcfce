namespace NativeInfer.Generation.Chat;

/// <summary>
/// One message of a conversation as the prompt formatter sees it. (Not called ChatMessage so that it does
/// not clash with Microsoft.Extensions.AI.ChatMessage in code that uses both.)
/// </summary>
/// <param name="Role">"system", "user", "assistant" or "tool" — whatever the chat template knows.</param>
/// <param name="Content">The message text.</param>
public sealed record ChatTurn(string Role, string Content)
{
    public const string SystemRole = "system";
    public const string UserRole = "user";
    public const string AssistantRole = "assistant";

    public static ChatTurn System(string content) => new(SystemRole, content);
    public static ChatTurn User(string content) => new(UserRole, content);
    public static ChatTurn Assistant(string content) => new(AssistantRole, content);
}
