namespace NativeInfer.Chat;

/// <summary>Who speaks a chat message. Templates render the role by its lower-case name ("system", "user", "assistant").</summary>
public enum ChatRole
{
    System = 0,
    User = 1,
    Assistant = 2,
}
