using System.Diagnostics.CodeAnalysis;
using NativeInfer.Gguf;

namespace NativeInfer.Chat;

/// <summary>
/// Chooses the prompt format for a model. There is no Jinja engine: a template is recognised by
/// comparing its canonical form (<see cref="JinjaCanonicalForm"/>: the text it outputs kept verbatim, layout
/// that is not output, quoting and escapes removed) with the published templates of the registry below, and the family's C# renderer produces
/// the same text the Jinja would. An unrecognised template is an error rather than a guess, because a
/// prompt format that is almost right degrades a model silently; overrides in
/// <see cref="ChatTemplateOptions"/> choose a family by name or supply your own <see cref="IChatTemplate"/>.
/// See docs/chat-templates.md.
/// </summary>
public static class ChatTemplates
{
    /// <summary>The GGUF metadata key holding the model's Jinja chat template.</summary>
    public const string MetadataKey = "tokenizer.chat_template";

    private const int ExcerptLength = 100;

    // The registry: one row per family; detection tries every version of every row.
    private static readonly ChatTemplateFamily[] Registry =
    [
        new("deepseek-v2", ["deepseek2", "deepseek-v2-chat"],
            "DeepSeek-V2 / V2-Lite Chat, DeepSeek-Coder-V2 Instruct: {bos}User: …\\n\\nAssistant: …{eos}, system text first",
            new ChatTemplateVersion("deepseek-ai/DeepSeek-V2-Chat, DeepSeek-V2-Lite-Chat, DeepSeek-Coder-V2-Instruct", KnownChatTemplates.DeepSeekV2,
                t => new DeepSeekV2ChatTemplate(t.Bos ?? DeepSeekV2ChatTemplate.DefaultBos, t.Eos ?? DeepSeekV2ChatTemplate.DefaultEos))),
        new("qwen2", ["qwen"],
            "Qwen2 / Qwen1.5 (dense and MoE): ChatML with a default system prompt when the conversation has none",
            new ChatTemplateVersion("Qwen/Qwen2-*-Instruct, Qwen2-57B-A14B-Instruct", KnownChatTemplates.Qwen2,
                _ => new ChatMLTemplate("qwen2", ChatMLTemplate.Qwen2SystemPrompt)),
            new ChatTemplateVersion("Qwen/Qwen1.5-*-Chat, Qwen1.5-MoE-A2.7B-Chat", KnownChatTemplates.Qwen15,
                _ => new ChatMLTemplate("qwen2", ChatMLTemplate.Qwen15SystemPrompt))),
        new("chatml", [],
            "ChatML without a default system prompt: <|im_start|>role\\n…<|im_end|>\\n",
            new ChatTemplateVersion("teknium/OpenHermes-2.5, cognitivecomputations/dolphin-2.x-mixtral", KnownChatTemplates.ChatML,
                _ => new ChatMLTemplate("chatml", null))),
        new("llama3", ["llama-3", "llama3-instruct"],
            "Meta-Llama-3-Instruct: {bos}<|start_header_id|>role<|end_header_id|>\\n\\n…<|eot_id|>",
            new ChatTemplateVersion("meta-llama/Meta-Llama-3-8B-Instruct, -70B-Instruct", KnownChatTemplates.Llama3,
                t => new Llama3ChatTemplate(t.Bos ?? Llama3ChatTemplate.DefaultBos, alwaysAddsGenerationPrompt: false)),
            new ChatTemplateVersion("meta-llama/Meta-Llama-3-8B-Instruct, first release (header always appended)", KnownChatTemplates.Llama3Original,
                t => new Llama3ChatTemplate(t.Bos ?? Llama3ChatTemplate.DefaultBos, alwaysAddsGenerationPrompt: true))),
        new("mistral-v1", ["mistral", "mixtral"],
            "Mistral v1 with system prompt (Mistral-7B-Instruct-v0.1/v0.2, Mixtral-8x7B-Instruct-v0.1, 2024): {bos} [INST] … [/INST] …{eos}",
            new ChatTemplateVersion("mistralai/Mistral-7B-Instruct-v0.2, Mixtral-8x7B-Instruct-v0.1 (v1 template with system prompt)", KnownChatTemplates.MistralV1,
                t => new MistralV1ChatTemplate(t.Bos ?? MistralV1ChatTemplate.DefaultBos, t.Eos ?? MistralV1ChatTemplate.DefaultEos))),
        new("mistral-legacy", ["mixtral-legacy"],
            "Mistral/Mixtral as first published, no system role: {bos}[INST] … [/INST]…{eos}",
            new ChatTemplateVersion("mistralai/Mistral-7B-Instruct-v0.2, Mixtral-8x7B-Instruct-v0.1, first release", KnownChatTemplates.MistralLegacy,
                t => new MistralLegacyChatTemplate(t.Bos ?? MistralV1ChatTemplate.DefaultBos, t.Eos ?? MistralV1ChatTemplate.DefaultEos, spaceAfterEos: false)),
            new ChatTemplateVersion("mistralai/Mistral-7B-Instruct-v0.1, first release (space after EOS)", KnownChatTemplates.MistralLegacyV01,
                t => new MistralLegacyChatTemplate(t.Bos ?? MistralV1ChatTemplate.DefaultBos, t.Eos ?? MistralV1ChatTemplate.DefaultEos, spaceAfterEos: true))),
        new("deepseek-v3", ["deepseek3"],
            "DeepSeek-V3 / V3-0324: {bos}{system}<｜User｜>…<｜Assistant｜>…<｜end▁of▁sentence｜>",
            DeepSeek("deepseek-v3", "deepseek-ai/DeepSeek-V3 (December 2024)", KnownChatTemplates.DeepSeekV3, DeepSeekV3Format.V3),
            DeepSeek("deepseek-v3", "deepseek-ai/DeepSeek-V3-0324 (a user turn ends with <｜Assistant｜>)", KnownChatTemplates.DeepSeekV3_0324, DeepSeekV3Format.V3March2025)),
        new("deepseek-r1", ["deepseek-r1-distill"],
            "DeepSeek-R1 and its distills: the DeepSeek-V3 format, earlier reasoning removed, the generation prompt opens <think>",
            DeepSeek("deepseek-r1", "deepseek-ai/DeepSeek-R1 (updated: the generation prompt opens <think>)", KnownChatTemplates.DeepSeekR1, DeepSeekV3Format.R1),
            DeepSeek("deepseek-r1", "deepseek-ai/DeepSeek-R1, first release (January 2025)", KnownChatTemplates.DeepSeekR1Original, DeepSeekV3Format.R1Original),
            DeepSeek("deepseek-r1", "deepseek-ai/DeepSeek-R1-0528, DeepSeek-R1-0528-Qwen3-8B", KnownChatTemplates.DeepSeekR1_0528, DeepSeekV3Format.R1May2025),
            DeepSeek("deepseek-r1", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/7B/14B/32B, -Llama-8B/70B (updated: the generation prompt opens <think>)", KnownChatTemplates.DeepSeekR1Distill, DeepSeekV3Format.R1Distill),
            DeepSeek("deepseek-r1", "deepseek-ai/DeepSeek-R1-Distill-*, first release (January 2025)", KnownChatTemplates.DeepSeekR1DistillOriginal, DeepSeekV3Format.R1DistillOriginal)),
        new("qwen3", ["qwen3-moe"],
            "Qwen3 (dense and MoE): ChatML without a default system prompt, earlier reasoning removed, the enable_thinking switch",
            new ChatTemplateVersion("Qwen/Qwen3-0.6B … Qwen3-32B, Qwen3-30B-A3B, Qwen3-235B-A22B (hybrid thinking, enable_thinking)", KnownChatTemplates.Qwen3,
                _ => new Qwen3ChatTemplate(enableThinking: null)),
            new ChatTemplateVersion("Qwen/Qwen3-*-Thinking-2507, Qwen3-Next-80B-A3B-Thinking (always thinks)", KnownChatTemplates.Qwen3Thinking2507,
                _ => new Qwen3SingleModeChatTemplate(opensThinking: true)),
            new ChatTemplateVersion("Qwen/Qwen3-*-Instruct-2507 (never thinks)", KnownChatTemplates.Qwen3Instruct2507,
                _ => new Qwen3SingleModeChatTemplate(opensThinking: false))),
    ];

    private static ChatTemplateVersion DeepSeek(string family, string origin, string jinja, DeepSeekV3Format format) =>
        new(origin, jinja, t => new DeepSeekV3ChatTemplate(family, t.Bos ?? DeepSeekV2ChatTemplate.DefaultBos, format));

    /// <summary>The supported families, in detection order.</summary>
    public static IReadOnlyList<ChatTemplateFamily> Families { get; } = Array.AsReadOnly(Registry);

    /// <summary>The family names (without aliases).</summary>
    public static IReadOnlyList<string> FamilyNames { get; } = Array.AsReadOnly(Registry.Select(f => f.Name).ToArray());

    /// <summary>
    /// The renderer for a Jinja chat template, honouring <paramref name="options"/> as <see cref="FromGguf"/> does.
    /// </summary>
    /// <exception cref="ChatTemplateException">The template is not a supported family's and no override is given.</exception>
    public static IChatTemplate Detect(string jinja, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(jinja);
        return Resolve(jinja, options, default, source: null);
    }

    /// <summary>The supported family's renderer for <paramref name="jinja"/>, or false (no exception) when none matches.</summary>
    /// <exception cref="ChatTemplateException">One matches, but <see cref="ChatTemplateOptions.EnableThinking"/> is set and it has no thinking switch.</exception>
    public static bool TryDetect(string jinja, [NotNullWhen(true)] out IChatTemplate? template, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(jinja);
        template = Match(jinja, TokensFrom(options, default), out _);
        if (template is not null) template = WithThinking(template, options?.EnableThinking);
        return template is not null;
    }

    /// <summary>The family called <paramref name="family"/> (name or alias, case-insensitive).</summary>
    /// <exception cref="ChatTemplateException">No family has that name.</exception>
    public static IChatTemplate ByName(string family, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        return WithThinking(FindFamily(family).Create(TokensFrom(options, default)), options?.EnableThinking);
    }

    /// <summary>
    /// The chat template of a GGUF model: <see cref="ChatTemplateOptions.Template"/> if given, else the family
    /// <see cref="ChatTemplateOptions.Family"/> names, else the family detected from <c>tokenizer.chat_template</c>.
    /// <c>bos_token</c>/<c>eos_token</c> are the vocabulary's BOS/EOS texts unless the options say otherwise.
    /// </summary>
    /// <exception cref="ChatTemplateException">The model has no template, or one no family recognises, and no override is given.</exception>
    public static IChatTemplate FromGguf(GgufFile file, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        return FromMetadata(file.Metadata, options);
    }

    /// <inheritdoc cref="FromGguf"/>
    public static IChatTemplate FromMetadata(GgufMetadata metadata, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (options?.Template is { } custom) return WithThinking(custom, options.EnableThinking);
        var vocabTokens = new ChatTemplateTokens(TokenText(metadata, "tokenizer.ggml.bos_token_id"), TokenText(metadata, "tokenizer.ggml.eos_token_id"));
        string? jinja = metadata.TryGetString(MetadataKey, out string value) ? value : null;
        return Resolve(jinja, options, vocabTokens, metadata.Source);
    }

    /// <summary>
    /// <paramref name="template"/> with Jinja's <c>enable_thinking</c> set to <paramref name="enableThinking"/>; null
    /// returns it unchanged. Only templates with that switch (<see cref="IThinkingChatTemplate"/>) accept a value.
    /// </summary>
    /// <exception cref="ChatTemplateException"><paramref name="enableThinking"/> is set and the template has no thinking switch.</exception>
    public static IChatTemplate WithThinking(IChatTemplate template, bool? enableThinking)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (enableThinking is null) return template;
        if (template is IThinkingChatTemplate thinking) return thinking.WithThinking(enableThinking);
        throw new ChatTemplateException(
            $"the {template.Name} chat template has no thinking switch (Jinja's enable_thinking), so thinking cannot be turned "
            + $"{(enableThinking.Value ? "on" : "off")}; only Qwen3's hybrid-thinking template (qwen3: Qwen3-0.6B … 235B-A22B) has one. "
            + $"Leave {nameof(ChatTemplateOptions.EnableThinking)} unset for this model.");
    }

    private static IChatTemplate Resolve(string? jinja, ChatTemplateOptions? options, ChatTemplateTokens modelTokens, string? source) =>
        WithThinking(Choose(jinja, options, modelTokens, source), options?.EnableThinking);

    private static IChatTemplate Choose(string? jinja, ChatTemplateOptions? options, ChatTemplateTokens modelTokens, string? source)
    {
        if (options?.Template is { } custom) return custom;
        ChatTemplateTokens tokens = TokensFrom(options, modelTokens);
        if (options?.Family is { } forced) return FindFamily(forced).Create(tokens);

        string where = source is null ? "" : $"{source}: ";
        string remedy = $"Supported families: {string.Join(", ", FamilyNames)}. To use this model anyway, set "
                        + $"{nameof(ChatTemplateOptions)}.{nameof(ChatTemplateOptions.Family)} to one of them or "
                        + $"{nameof(ChatTemplateOptions)}.{nameof(ChatTemplateOptions.Template)} to your own {nameof(IChatTemplate)}.";
        if (jinja is null)
            throw new ChatTemplateException($"{where}the model has no chat template (metadata key '{MetadataKey}'). {remedy}", source);
        if (Match(jinja, tokens, out string? unreadable) is { } template) return template;
        string excerpt = Excerpt(jinja);
        string why = unreadable is null ? "" : $" It cannot be read as Jinja: {unreadable}.";
        throw new ChatTemplateException(
            $"{where}the chat template is not one this runtime recognises: \"{excerpt}\" ({jinja.Length} characters).{why} {remedy}",
            source, excerpt);
    }

    // The matching version's renderer, or null; unreadable says why when the template cannot even be lexed.
    private static IChatTemplate? Match(string jinja, ChatTemplateTokens tokens, out string? unreadable)
    {
        if (!JinjaCanonicalForm.TryOf(jinja, out string? canonical, out unreadable)) return null;
        foreach (ChatTemplateFamily family in Registry)
            if (family.Match(canonical, tokens) is { } template) return template;
        return null;
    }

    private static ChatTemplateFamily FindFamily(string name) =>
        Registry.FirstOrDefault(f => f.IsNamed(name.Trim()))
        ?? throw new ChatTemplateException(
            $"unknown chat template family '{name}'; supported: {string.Join(", ", Registry.Select(f => f.Aliases.Count == 0 ? f.Name : $"{f.Name} ({string.Join(", ", f.Aliases)})"))}",
            familyName: name);

    private static ChatTemplateTokens TokensFrom(ChatTemplateOptions? options, ChatTemplateTokens model) =>
        new(options?.BosToken ?? model.Bos, options?.EosToken ?? model.Eos);

    // The vocabulary text of the token whose id is stored under idKey, or null when the file does not say.
    private static string? TokenText(GgufMetadata metadata, string idKey)
    {
        if (!metadata.TryGetInteger(idKey, out long id) || !metadata.TryGetStringArray("tokenizer.ggml.tokens", out string[] tokens)) return null;
        return id >= 0 && id < tokens.Length ? tokens[id] : null;
    }

    // The template's first characters on one line (line breaks and tabs shown as escapes).
    private static string Excerpt(string jinja)
    {
        int length = jinja.Length <= ExcerptLength ? jinja.Length : char.IsHighSurrogate(jinja[ExcerptLength - 1]) ? ExcerptLength - 1 : ExcerptLength;
        string head = length == jinja.Length ? jinja : jinja[..length] + "…";
        return head.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
    }
}
