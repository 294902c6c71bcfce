namespace NativeInfer.Chat;

/// <summary>
/// No chat template could be chosen: the model's <c>tokenizer.chat_template</c> is missing or is not one
/// of the supported families, a family name given as an override is unknown, or a thinking switch
/// (<see cref="ChatTemplateOptions.EnableThinking"/>) was asked of a template without one. The message names what
/// was found (the template's first characters, and what is wrong and where when it cannot be lexed as Jinja) and the supported families; pass
/// <see cref="ChatTemplateOptions.Family"/> or <see cref="ChatTemplateOptions.Template"/> to proceed anyway.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    internal ChatTemplateException(string message, string? source = null, string? templateExcerpt = null, string? familyName = null)
        : base(message)
    {
        Source = source;
        TemplateExcerpt = templateExcerpt;
        FamilyName = familyName;
    }

    /// <summary>The GGUF file the template came from, when there was one.</summary>
    public new string? Source { get; }

    /// <summary>The first characters of the unrecognised template; null when there was none (or a family name was at fault).</summary>
    public string? TemplateExcerpt { get; }

    /// <summary>The unknown family name given as an override, when that was the problem.</summary>
    public string? FamilyName { get; }

    /// <summary>Names of the supported families.</summary>
    public IReadOnlyList<string> SupportedFamilies => ChatTemplates.FamilyNames;
}
