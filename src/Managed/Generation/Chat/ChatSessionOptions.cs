using NativeInfer.Chat;

namespace NativeInfer.Generation.Chat;

/// <summary>Settings of a <see cref="ChatSession"/>. Immutable; <see cref="Validate"/> names the first bad value.</summary>
public sealed record ChatSessionOptions
{
    /// <summary>The underlying session (null = <see cref="LanguageModelOptions.Session"/>). With
    /// <see cref="ContextOverflowPolicy.TruncateOldest"/> the chat drops whole turns (see <see cref="ChatSession"/>). Default null.</summary>
    public GenerationSessionOptions? Session { get; init; }

    /// <summary>Renders the conversation (null = <see cref="LanguageModel.ChatTemplate"/>, the model's own). Default null.</summary>
    public IChatTemplate? Template { get; init; }

    /// <summary>
    /// Jinja's <c>enable_thinking</c> for this chat (false: Qwen3 answers without reasoning); null = the template as it is
    /// (<see cref="ChatTemplateOptions.EnableThinking"/> of the model's). Only templates with that switch
    /// (<see cref="IThinkingChatTemplate"/>) accept a value: for others creating the session is a <see cref="ChatTemplateException"/>. Default null.
    /// </summary>
    public bool? EnableThinking { get; init; }

    /// <summary>A system message the history starts with, kept by <see cref="ChatSession.Clear"/> and never dropped. Default none.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Settings of turns that pass none (null = <see cref="LanguageModelOptions.Generation"/>). Default null.</summary>
    public GenerationOptions? Generation { get; init; }

    public ChatSessionOptions Validate()
    {
        Session?.Validate();
        Generation?.Validate();
        return this;
    }
}
