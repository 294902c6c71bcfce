using NativeInfer.Chat;
using NativeInfer.Runtime;
using NativeInfer.Tokenization;

namespace NativeInfer.Generation.Chat;

/// <summary>What chat sessions and the chat client share: encoding a rendered prompt, and dropping the oldest exchange.</summary>
internal static class ChatPromptBuilder
{
    /// <summary>Tokens kept free for the reply when deciding whether a prompt fits: MaxTokens (else a quarter of the context), at most half the context.</summary>
    public static int Reserve(int capacity, int? maxTokens) => Math.Max(1, Math.Min(maxTokens ?? capacity / 4, capacity / 2));

    /// <summary>
    /// Removes the oldest exchange after the leading system messages: its first message and the non-user
    /// messages after it, up to the next user message. The last message is never removed. False when nothing can go.
    /// </summary>
    public static bool DropOldestExchange(List<ChatMessage> turns, out int dropped)
    {
        dropped = 0;
        int first = 0;
        while (first < turns.Count && turns[first].Role == ChatRole.System) first++;
        if (first >= turns.Count - 1) return false;
        turns.RemoveAt(first);
        dropped = 1;
        while (first < turns.Count - 1 && turns[first].Role != ChatRole.User)
        {
            turns.RemoveAt(first);
            dropped++;
        }
        return true;
    }

    /// <summary>
    /// Renders <paramref name="turns"/> and encodes them; when the prompt and the reserve do not fit and
    /// <paramref name="dropTurns"/>, drops the oldest exchanges (from <paramref name="turns"/>) until they do or
    /// none is left. A prompt that cannot fit at all is a <see cref="ContextLengthExceededException"/>.
    /// </summary>
    public static (string Text, int[] Tokens, int Dropped) Build(IChatTemplate template, Tokenizer tokenizer, List<ChatMessage> turns,
                                                                 int capacity, int reserve, bool dropTurns, Func<string, int[]?>? incremental = null)
    {
        int droppedTotal = 0;
        while (true)
        {
            string text = template.Render(turns, addGenerationPrompt: true)
                          ?? throw new InvalidOperationException($"{template.GetType().Name}.Render returned null");
            int[] tokens = (droppedTotal == 0 ? incremental?.Invoke(text) : null) ?? tokenizer.EncodePrompt(text);
            if (tokens.Length + reserve <= capacity) return (text, tokens, droppedTotal);
            if (dropTurns && DropOldestExchange(turns, out int dropped))
            {
                droppedTotal += dropped;
                continue;
            }
            if (tokens.Length + 1 <= capacity) return (text, tokens, droppedTotal);
            throw new ContextLengthExceededException(0, tokens.Length, capacity);
        }
    }
}
