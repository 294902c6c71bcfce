namespace NativeInfer.Chat;

/// <summary>One published chat template a family recognises: where it comes from and its Jinja text.</summary>
public sealed class ChatTemplateVersion
{
    private readonly Func<ChatTemplateTokens, IChatTemplate> _create;
    private readonly Lazy<string> _canonical;

    internal ChatTemplateVersion(string origin, string jinja, Func<ChatTemplateTokens, IChatTemplate> create)
    {
        Origin = origin;
        Jinja = jinja;
        _create = create;
        _canonical = new Lazy<string>(() => JinjaCanonicalForm.Of(jinja));
    }

    /// <summary>Which models publish this text ("meta-llama/Meta-Llama-3-8B-Instruct, first release").</summary>
    public string Origin { get; }

    /// <summary>The template as the model's tokenizer_config.json holds it (JSON-decoded).</summary>
    public string Jinja { get; }

    internal string CanonicalForm => _canonical.Value;

    internal IChatTemplate Create(ChatTemplateTokens tokens) => _create(tokens);

    public override string ToString() => Origin;
}
