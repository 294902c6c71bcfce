using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// Meta-Llama-3-Instruct: every message is
/// <code>&lt;|start_header_id|&gt;{role}&lt;|end_header_id|&gt;\n\n{content, trimmed}&lt;|eot_id|&gt;</code>
/// with BOS (<c>&lt;|begin_of_text|&gt;</c>) in front of the first one only, and the generation prompt is the
/// assistant header. Content is trimmed as Jinja's <c>trim</c> does (Python's <c>str.strip()</c>).
/// The template as first published appended the assistant header unconditionally;
/// <paramref name="alwaysAddsGenerationPrompt"/> reproduces that version.
/// </summary>
internal sealed class Llama3ChatTemplate(string bos, bool alwaysAddsGenerationPrompt) : IChatTemplate
{
    public const string DefaultBos = "<|begin_of_text|>";

    public string Name => "llama3";

    /// <summary>True for the first published version, which ignores add_generation_prompt.</summary>
    public bool AlwaysAddsGenerationPrompt => alwaysAddsGenerationPrompt;

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplateGuard.CheckMessages(messages);
        var prompt = new StringBuilder();
        for (int i = 0; i < messages.Count; i++)
        {
            if (i == 0) prompt.Append(bos);
            prompt.Append("<|start_header_id|>").Append(messages[i].RoleName).Append("<|end_header_id|>\n\n")
                  .Append(ChatTemplateGuard.PythonStrip(messages[i].Content)).Append("<|eot_id|>");
        }
        if (addGenerationPrompt || alwaysAddsGenerationPrompt) prompt.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        return prompt.ToString();
    }
}
