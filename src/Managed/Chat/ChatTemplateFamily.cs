namespace NativeInfer.Chat;

/// <summary>
/// A row of the registry (<see cref="ChatTemplates.Families"/>): a prompt format with its name, the
/// published Jinja templates that select it, and the C# renderer equivalent to them.
/// </summary>
public sealed class ChatTemplateFamily
{
    internal ChatTemplateFamily(string name, string[] aliases, string description, params ChatTemplateVersion[] versions)
    {
        if (versions.Length == 0) throw new ArgumentException($"family '{name}' needs at least one published template", nameof(versions));
        Name = name;
        Aliases = Array.AsReadOnly(aliases);
        Description = description;
        Versions = Array.AsReadOnly(versions);
    }

    /// <summary>The name <see cref="ChatTemplates.ByName"/> and <see cref="ChatTemplateOptions.Family"/> accept ("deepseek-v2").</summary>
    public string Name { get; }

    /// <summary>Other accepted names ("deepseek2").</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>The format in one line and the models that use it.</summary>
    public string Description { get; }

    /// <summary>The published templates detection recognises as this family; the first is what choosing the family by name gives.</summary>
    public IReadOnlyList<ChatTemplateVersion> Versions { get; }

    /// <summary>Whether <paramref name="name"/> (case-insensitive) is this family's name or an alias.</summary>
    public bool IsNamed(string name) =>
        string.Equals(name, Name, StringComparison.OrdinalIgnoreCase) || Aliases.Any(a => string.Equals(name, a, StringComparison.OrdinalIgnoreCase));

    /// <summary>The renderer used when the family is chosen by name: its first (current) version's.</summary>
    internal IChatTemplate Create(ChatTemplateTokens tokens) => Versions[0].Create(tokens);

    /// <summary>The renderer for the version whose canonical form is <paramref name="canonical"/>, or null.</summary>
    internal IChatTemplate? Match(string canonical, ChatTemplateTokens tokens)
    {
        foreach (ChatTemplateVersion version in Versions)
            if (version.CanonicalForm == canonical) return version.Create(tokens);
        return null;
    }

    public override string ToString() => Name;
}
