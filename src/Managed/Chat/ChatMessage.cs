namespace NativeInfer.Chat;

/// <summary>One turn of a conversation. Content goes into the prompt verbatim (templates decide on trimming).</summary>
public sealed record ChatMessage(ChatRole Role, string Content)
{
    // Checked in the constructor and in `with` expressions alike.
    private readonly ChatRole _role = CheckRole(Role);
    private readonly string _content = CheckContent(Content);

    public ChatRole Role { get => _role; init => _role = CheckRole(value); }

    public string Content { get => _content; init => _content = CheckContent(value); }

    public static ChatMessage System(string content) => new(ChatRole.System, content);

    public static ChatMessage User(string content) => new(ChatRole.User, content);

    public static ChatMessage Assistant(string content) => new(ChatRole.Assistant, content);

    /// <summary>The role as templates spell it: "system", "user" or "assistant".</summary>
    internal string RoleName => _role switch
    {
        ChatRole.System => "system",
        ChatRole.User => "user",
        _ => "assistant",
    };

    private static ChatRole CheckRole(ChatRole role) =>
        Enum.IsDefined(role) ? role : throw new ArgumentOutOfRangeException(nameof(Role), role, "role must be System, User or Assistant");

    private static string CheckContent(string content) => content ?? throw new ArgumentNullException(nameof(Content));
}
