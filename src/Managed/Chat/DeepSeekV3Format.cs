namespace NativeInfer.Chat;

/// <summary>
/// What distinguishes the published DeepSeek-V3 / R1 templates from one another. All of them write
/// <c>{bos}{system prompt}</c>, then <c>&lt;｜User｜&gt;{content}</c> per user message and
/// <c>{content}&lt;｜end▁of▁sentence｜&gt;</c> per assistant message (EOS as text, not <c>eos_token</c>);
/// system messages contribute only to the system prompt in front.
/// </summary>
/// <param name="KeepsOnlyLastSystemPrompt">The R1 distills keep the last system message (<c>ns.system_prompt = message['content']</c>);
/// V3 and R1 join them all with a blank line.</param>
/// <param name="UserTurnOpensReply">V3-0324 and R1-0528 end every user turn with <c>&lt;｜Assistant｜&gt;</c> and write an
/// assistant message without it; the others put <c>&lt;｜Assistant｜&gt;</c> in front of the assistant message.</param>
/// <param name="RemovesReasoning">R1's templates keep only what follows the last <c>&lt;/think&gt;</c> of an assistant message
/// (<c>content.split('&lt;/think&gt;')[-1]</c>).</param>
/// <param name="GenerationPrompt">What <c>add_generation_prompt</c> appends — except after a user turn when
/// <paramref name="UserTurnOpensReply"/> (that turn already ends with it).</param>
internal sealed record DeepSeekV3Format(bool KeepsOnlyLastSystemPrompt, bool UserTurnOpensReply, bool RemovesReasoning, string GenerationPrompt)
{
    public const string AssistantTag = "<\uFF5CAssistant\uFF5C>"; // <｜Assistant｜>
    public const string UserTag = "<\uFF5CUser\uFF5C>";           // <｜User｜>
    public const string OpenThinking = AssistantTag + "<think>\n";

    /// <summary>DeepSeek-V3 (December 2024).</summary>
    public static readonly DeepSeekV3Format V3 = new(false, false, false, AssistantTag);

    /// <summary>DeepSeek-V3-0324.</summary>
    public static readonly DeepSeekV3Format V3March2025 = new(false, true, false, AssistantTag);

    /// <summary>DeepSeek-R1 as updated after its first release.</summary>
    public static readonly DeepSeekV3Format R1 = new(false, false, true, OpenThinking);

    /// <summary>DeepSeek-R1 as first published (January 2025).</summary>
    public static readonly DeepSeekV3Format R1Original = new(false, false, true, AssistantTag);

    /// <summary>DeepSeek-R1-0528 and its Qwen3-8B distill.</summary>
    public static readonly DeepSeekV3Format R1May2025 = new(false, true, true, AssistantTag);

    /// <summary>The R1 distills as updated after their first release.</summary>
    public static readonly DeepSeekV3Format R1Distill = new(true, false, true, OpenThinking);

    /// <summary>The R1 distills as first published (January 2025).</summary>
    public static readonly DeepSeekV3Format R1DistillOriginal = new(true, false, true, AssistantTag);
}
