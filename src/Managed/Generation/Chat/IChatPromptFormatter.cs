namespace NativeInfer.Generation.Chat;

/// <summary>
/// Renders a conversation to the prompt text the model was trained on (its chat template). The
/// generation layer owns only this contract; the implementation that runs a GGUF's
/// <c>tokenizer.chat_template</c> lives in NativeInfer.Chat and is plugged in through
/// <see cref="LanguageModelOptions.ChatPromptFormatter"/> or per session.
/// </summary>
/// <remarks>
/// Chat sessions reuse the KV cache across turns without re-evaluating the history when the rendering of
/// a longer conversation starts with the rendering of the shorter one followed by the assistant's reply
/// text as generated — true of ordinary templates. When it does not (a template that trims or rewrites
/// earlier turns), the session falls back to re-tokenizing the whole prompt and reusing the longest common
/// token prefix. Implementations must be thread-safe (one formatter serves every session).
/// </remarks>
public interface IChatPromptFormatter
{
    /// <param name="messages">The conversation, oldest first.</param>
    /// <param name="addGenerationPrompt">End with the text that opens the assistant's reply.</param>
    /// <returns>The prompt text, including any BOS text the template writes itself.</returns>
    string Format(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt);
}
