using NativeInfer.Chat;
using NativeInfer.Generation.Chat;
using NativeInfer.Runtime;

namespace NativeInfer.Generation.ChatClient;

/// <summary>Settings of a <see cref="NativeInferChatClient"/>. Immutable; <see cref="Validate"/> names the first bad value.</summary>
public sealed record NativeInferChatClientOptions
{
    /// <summary>Most requests served at once, each on its own session (others wait). Default 1: one CPU session uses every core.</summary>
    public int MaxConcurrentRequests { get; init; } = 1;

    /// <summary>Settings of the pooled sessions (null = <see cref="LanguageModelOptions.Session"/>). With
    /// <see cref="ContextOverflowPolicy.TruncateOldest"/> a conversation that does not fit loses its oldest exchanges. Default null.</summary>
    public GenerationSessionOptions? Session { get; init; }

    /// <summary>What ChatOptions leave unset (null = <see cref="LanguageModelOptions.Generation"/>). Default null.</summary>
    public GenerationOptions? Generation { get; init; }

    /// <summary>Renders the messages (null = <see cref="LanguageModel.ChatTemplate"/>, the model's own). Default null.</summary>
    public IChatTemplate? Template { get; init; }

    /// <summary>
    /// Jinja's <c>enable_thinking</c> for requests that do not set <see cref="ChatOptionsMapper.EnableThinking"/> (false: Qwen3
    /// answers without reasoning); null = the template as it is. Only templates with that switch (<see cref="IThinkingChatTemplate"/>)
    /// accept a value: for others creating the client is a <see cref="ChatTemplateException"/>. Default null.
    /// </summary>
    public bool? EnableThinking { get; init; }

    public NativeInferChatClientOptions Validate()
    {
        if (MaxConcurrentRequests <= 0)
            throw new InvalidOptionException($"{nameof(NativeInferChatClientOptions)}.{nameof(MaxConcurrentRequests)}", MaxConcurrentRequests, "must be > 0");
        Session?.Validate();
        Generation?.Validate();
        return this;
    }
}
