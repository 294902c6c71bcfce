namespace NativeInfer.Chat;

/// <summary>
/// A chat template with a thinking switch: Jinja's <c>enable_thinking</c>, which Qwen3's hybrid-thinking template
/// reads (<c>false</c> appends an empty <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> block after the assistant header,
/// so the model answers without reasoning). Templates without the switch do not implement this; setting
/// <see cref="ChatTemplateOptions.EnableThinking"/> for them is an error (<see cref="ChatTemplates.WithThinking"/>).
/// </summary>
public interface IThinkingChatTemplate : IChatTemplate
{
    /// <summary>The value of <c>enable_thinking</c>; null = not set, which the templates treat as thinking on.</summary>
    bool? EnableThinking { get; }

    /// <summary>The same template with <c>enable_thinking</c> set to <paramref name="enableThinking"/> (null = not set).</summary>
    IThinkingChatTemplate WithThinking(bool? enableThinking);
}
