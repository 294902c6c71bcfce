using Microsoft.Extensions.AI;
using NativeInfer.Generation.Chat;
using TemplateMessage = NativeInfer.Chat.ChatMessage;
using TemplateRole = NativeInfer.Chat.ChatRole;
using NativeInfer.Generation.Sampling;

namespace NativeInfer.Generation.ChatClient;

/// <summary>
/// Microsoft.Extensions.AI ↔ NativeInfer: ChatOptions onto <see cref="GenerationOptions"/>, messages onto
/// the chat template's messages, <see cref="FinishReason"/> onto ChatFinishReason.
/// </summary>
public static class ChatOptionsMapper
{
    /// <summary>AdditionalProperties key for <see cref="SamplingOptions.MinP"/> (a number).</summary>
    public const string MinP = "min_p";

    /// <summary>AdditionalProperties key for <see cref="SamplingOptions.RepetitionPenalty"/> (a number).</summary>
    public const string RepetitionPenalty = "repetition_penalty";

    /// <summary>AdditionalProperties key for <see cref="SamplingOptions.PenaltyLastN"/> (an integer).</summary>
    public const string PenaltyLastN = "penalty_last_n";

    /// <summary>
    /// AdditionalProperties key for the chat template's thinking switch (a boolean: Jinja's <c>enable_thinking</c>, see
    /// <see cref="NativeInfer.Chat.IThinkingChatTemplate"/>), as transformers' <c>apply_chat_template(enable_thinking=…)</c> takes it.
    /// </summary>
    public const string EnableThinking = "enable_thinking";

    /// <summary>The request's <see cref="EnableThinking"/> value, or null when it sets none.</summary>
    public static bool? ThinkingOf(ChatOptions? options) =>
        options?.AdditionalProperties is { } extra && extra.TryGetValue(EnableThinking, out bool enabled) ? enabled : null;

    /// <summary>
    /// <paramref name="defaults"/> with what <paramref name="options"/> sets: Temperature, TopP, TopK, Seed (as its 64 bits),
    /// FrequencyPenalty, PresencePenalty, MaxOutputTokens → MaxTokens, StopSequences added to the stop strings, and the
    /// AdditionalProperties "min_p", "repetition_penalty", "penalty_last_n". Validated.
    /// </summary>
    public static GenerationOptions ToGenerationOptions(ChatOptions? options, GenerationOptions defaults)
    {
        if (options is null) return defaults.Validate();
        SamplingOptions s = defaults.Sampling;
        s = s with
        {
            Temperature = options.Temperature ?? s.Temperature,
            TopP = options.TopP ?? s.TopP,
            TopK = options.TopK ?? s.TopK,
            Seed = options.Seed is long seed ? unchecked((ulong)seed) : s.Seed,
            FrequencyPenalty = options.FrequencyPenalty ?? s.FrequencyPenalty,
            PresencePenalty = options.PresencePenalty ?? s.PresencePenalty,
        };
        if (options.AdditionalProperties is { } extra)
        {
            if (extra.TryGetValue(MinP, out float minP)) s = s with { MinP = minP };
            if (extra.TryGetValue(RepetitionPenalty, out float repeat)) s = s with { RepetitionPenalty = repeat };
            if (extra.TryGetValue(PenaltyLastN, out int lastN)) s = s with { PenaltyLastN = lastN };
        }
        IReadOnlyList<string> stops = options.StopSequences is { Count: > 0 } more ? [.. defaults.StopStrings, .. more] : defaults.StopStrings;
        return (defaults with { Sampling = s, MaxTokens = options.MaxOutputTokens ?? defaults.MaxTokens, StopStrings = stops }).Validate();
    }

    /// <summary>
    /// The messages as the chat template's messages (role, <c>ChatMessage.Text</c>), after a system message for
    /// <paramref name="instructions"/> when given. Roles other than system, user and assistant (tool results)
    /// have no place in the supported templates: an <see cref="ArgumentException"/> naming the message.
    /// </summary>
    public static List<TemplateMessage> ToTurns(IEnumerable<ChatMessage> messages, string? instructions)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = new List<TemplateMessage>();
        if (!string.IsNullOrEmpty(instructions)) turns.Add(TemplateMessage.System(instructions));
        foreach (ChatMessage m in messages)
        {
            TemplateRole role = m.Role == ChatRole.System ? TemplateRole.System
                : m.Role == ChatRole.User ? TemplateRole.User
                : m.Role == ChatRole.Assistant ? TemplateRole.Assistant
                : throw new ArgumentException($"message {turns.Count} has role '{m.Role.Value}'; the chat templates take system, user and assistant messages only", nameof(messages));
            turns.Add(new TemplateMessage(role, m.Text));
        }
        if (turns.Count == 0) throw new ArgumentException("no messages to respond to", nameof(messages));
        return turns;
    }

    /// <summary>Stop token and stop string → Stop; max tokens and a full context → Length.</summary>
    public static ChatFinishReason? ToChatFinishReason(FinishReason reason) => reason switch
    {
        FinishReason.StopToken or FinishReason.StopString => ChatFinishReason.Stop,
        FinishReason.MaxTokens or FinishReason.ContextFull => ChatFinishReason.Length,
        _ => null,
    };
}
