namespace NativeInfer.Runtime;

/// <summary>A forward pass would run past the session's cache capacity.</summary>
public sealed class ContextLengthExceededException(int length, int adding, int capacity)
    : Exception($"the session holds {length} tokens and cannot take {adding} more: its context length is {capacity} " +
                "(truncate the session, or create it with a larger SessionOptions.ContextLength)")
{
    public int Length { get; } = length;
    public int Adding { get; } = adding;
    public int Capacity { get; } = capacity;
}
