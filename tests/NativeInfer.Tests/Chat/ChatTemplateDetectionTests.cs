using NativeInfer.Chat;

namespace NativeInfer.Tests.Chat;

/// <summary>Detection on real templates, the failure message, overrides by name and custom templates.</summary>
public class ChatTemplateDetectionTests
{
    private static IEnumerable<TestCaseData> Published()
    {
        yield return new TestCaseData(PublishedTemplates.DeepSeekV2Chat, "deepseek-v2").SetName("Detect_DeepSeekV2Chat");
        yield return new TestCaseData(PublishedTemplates.DeepSeekV2ChatEscapedNoPreamble, "deepseek-v2").SetName("Detect_DeepSeekV2Chat_EscapedNoPreamble");
        yield return new TestCaseData(PublishedTemplates.Qwen2Instruct, "qwen2").SetName("Detect_Qwen2Instruct");
        yield return new TestCaseData(PublishedTemplates.Qwen15MoeChat, "qwen2").SetName("Detect_Qwen15MoeChat");
        yield return new TestCaseData(PublishedTemplates.OpenHermes25, "chatml").SetName("Detect_OpenHermes25");
        yield return new TestCaseData(PublishedTemplates.DolphinMixtral, "chatml").SetName("Detect_DolphinMixtral");
        yield return new TestCaseData(PublishedTemplates.Llama3Instruct, "llama3").SetName("Detect_Llama3Instruct");
        yield return new TestCaseData(PublishedTemplates.Llama3Original, "llama3").SetName("Detect_Llama3Original");
        yield return new TestCaseData(PublishedTemplates.MistralV1, "mistral-v1").SetName("Detect_MistralV1");
        yield return new TestCaseData(PublishedTemplates.Mixtral8x7BInstructOriginal, "mistral-legacy").SetName("Detect_Mixtral8x7BInstructOriginal");
        yield return new TestCaseData(PublishedTemplates.Mistral7BInstructV01Original, "mistral-legacy").SetName("Detect_Mistral7BInstructV01Original");
        foreach ((string name, string jinja, string family, _) in ReasoningFamilies)
            yield return new TestCaseData(jinja, family).SetName($"Detect_{name}");
    }

    // The DeepSeek-V3 / R1 and Qwen3 texts, with the version each must select (a phrase of its Origin).
    private static readonly (string Name, string Jinja, string Family, string Version)[] ReasoningFamilies =
    [
        (nameof(PublishedTemplates.DeepSeekV3), PublishedTemplates.DeepSeekV3, "deepseek-v3", "DeepSeek-V3 (December 2024)"),
        (nameof(PublishedTemplates.DeepSeekV3_0324), PublishedTemplates.DeepSeekV3_0324, "deepseek-v3", "DeepSeek-V3-0324"),
        (nameof(PublishedTemplates.DeepSeekR1), PublishedTemplates.DeepSeekR1, "deepseek-r1", "DeepSeek-R1 (updated"),
        (nameof(PublishedTemplates.DeepSeekR1Original), PublishedTemplates.DeepSeekR1Original, "deepseek-r1", "DeepSeek-R1, first release"),
        (nameof(PublishedTemplates.DeepSeekR1_0528), PublishedTemplates.DeepSeekR1_0528, "deepseek-r1", "DeepSeek-R1-0528"),
        (nameof(PublishedTemplates.DeepSeekR1DistillQwen), PublishedTemplates.DeepSeekR1DistillQwen, "deepseek-r1", "Distill-Qwen-1.5B/7B/14B/32B, -Llama-8B/70B (updated"),
        (nameof(PublishedTemplates.DeepSeekR1DistillLlama8BOriginal), PublishedTemplates.DeepSeekR1DistillLlama8BOriginal, "deepseek-r1", "Distill-*, first release"),
        (nameof(PublishedTemplates.Qwen3), PublishedTemplates.Qwen3, "qwen3", "hybrid thinking"),
        (nameof(PublishedTemplates.Qwen3Thinking2507), PublishedTemplates.Qwen3Thinking2507, "qwen3", "Thinking-2507"),
        (nameof(PublishedTemplates.Qwen3Instruct2507), PublishedTemplates.Qwen3Instruct2507, "qwen3", "Instruct-2507"),
    ];

    private static IEnumerable<TestCaseData> ReasoningVersions() =>
        ReasoningFamilies.Select(f => new TestCaseData(f.Jinja, f.Family, f.Version).SetName($"Detect_{f.Name}_SelectsItsVersion"));

    [TestCaseSource(nameof(ReasoningVersions))]
    public void Detect_ReasoningFamilies_EachPublishedTextSelectsItsOwnVersion(string jinja, string family, string version)
    {
        string canonical = JinjaCanonicalForm.Of(jinja);
        ChatTemplateVersion[] matches = ChatTemplates.Families.Single(f => f.Name == family).Versions.Where(v => v.CanonicalForm == canonical).ToArray();
        Assert.That(matches, Has.Length.EqualTo(1));
        Assert.That(matches[0].Origin, Does.Contain(version));
    }

    // GGUF files hold the same template with real line breaks inside the quotes or with \n escapes, depending on
    // how the converter decoded the JSON; both spellings must select the same version.
    private static IEnumerable<TestCaseData> ReasoningSpellings()
    {
        foreach ((string name, string jinja, string family, _) in ReasoningFamilies)
        {
            // The DeepSeek texts are one line, so every line break is inside a literal; Qwen3's are laid out on
            // lines and use \n escapes only inside literals.
            string other = jinja.Contains("\\n") ? jinja.Replace("\\n", "\n") : jinja.Replace("\n", "\\n");
            yield return new TestCaseData(jinja, other, family).SetName($"Detect_{name}_OtherLineBreakSpelling");
        }
    }

    [TestCaseSource(nameof(ReasoningSpellings))]
    public void Detect_ReasoningFamilies_EscapedAndRealLineBreaks_SelectTheSameVersion(string published, string respelled, string family)
    {
        Assert.That(respelled, Is.Not.EqualTo(published));
        Assert.That(JinjaCanonicalForm.Of(respelled), Is.EqualTo(JinjaCanonicalForm.Of(published)));
        Assert.That(ChatTemplates.Detect(respelled).Name, Is.EqualTo(family));
    }

    [TestCase(nameof(PublishedTemplates.DeepSeekR1), "'<｜Assistant｜><think>\\n'", "'<｜Assistant｜><think>'")]
    [TestCase(nameof(PublishedTemplates.DeepSeekV3), "'<｜User｜>' + message['content']", "'<｜User｜>' + message['content'] + '\n'")]
    [TestCase(nameof(PublishedTemplates.DeepSeekR1_0528), "content.split('</think>')[-1]", "content.split('</think>')[0]")]
    [TestCase(nameof(PublishedTemplates.Qwen3), "'<think>\\n\\n</think>\\n\\n'", "'<think>\\n</think>\\n\\n'")]
    [TestCase(nameof(PublishedTemplates.Qwen3), ".lstrip('\\n')", ".strip('\\n')")]
    [TestCase(nameof(PublishedTemplates.Qwen3Instruct2507), "'<|im_start|>assistant\\n' }}\n{%- endif %}", "'<|im_start|>assistant\\n\\n' }}\n{%- endif %}")]
    public void Detect_ReasoningTemplateWithDifferentOutput_IsNotRecognised(string which, string original, string changed)
    {
        string jinja = (string)typeof(PublishedTemplates).GetField(which)!.GetValue(null)!;
        Assert.That(jinja, Does.Contain(original));
        Assert.That(ChatTemplates.TryDetect(jinja.Replace(original, changed), out _), Is.False);
    }

    [TestCaseSource(nameof(Published))]
    public void Detect_PublishedTemplate_GivesItsFamily(string jinja, string family)
    {
        Assert.That(ChatTemplates.Detect(jinja).Name, Is.EqualTo(family));
        Assert.That(ChatTemplates.TryDetect(jinja, out IChatTemplate? t) && t!.Name == family);
    }

    [TestCaseSource(nameof(Published))]
    public void Detect_PublishedTemplate_MatchesExactlyOneKnownVersion(string jinja, string family)
    {
        string canonical = JinjaCanonicalForm.Of(jinja);
        var matches = ChatTemplates.Families.SelectMany(f => f.Versions.Select(v => (f.Name, v)))
            .Where(x => x.v.CanonicalForm == canonical).ToList();
        Assert.That(matches, Has.Count.EqualTo(1));
        Assert.That(matches[0].Name, Is.EqualTo(family));
    }

    [Test]
    public void Registry_VersionsAreDistinctAndNamesUnique()
    {
        var canonical = ChatTemplates.Families.SelectMany(f => f.Versions).Select(v => v.CanonicalForm).ToList();
        Assert.That(canonical, Is.Unique);
        var names = ChatTemplates.Families.SelectMany(f => f.Aliases.Prepend(f.Name)).Select(n => n.ToLowerInvariant()).ToList();
        Assert.That(names, Is.Unique);
        Assert.That(ChatTemplates.FamilyNames, Is.EqualTo(new[] { "deepseek-v2", "qwen2", "chatml", "llama3", "mistral-v1", "mistral-legacy", "deepseek-v3", "deepseek-r1", "qwen3" }));
    }

    [Test]
    public void Detect_WhitespaceLayoutAndQuotingVariations_StillMatch()
    {
        // DeepSeek-V2's template re-laid out by hand: line breaks and indentation between tags, whitespace
        // control, double quotes, dotted attribute access, a split literal and a comment.
        const string relaid = """
            {%- if not add_generation_prompt is defined -%}
                {%- set add_generation_prompt = false -%}
            {%- endif -%}
            {{- bos_token -}}
            {#- one turn per message -#}
            {%- for message in messages -%}
                {%- if message.role == "user" -%}
                    {{- "User: " + message.content + "\n" + '\n' -}}
                {%- elif message["role"] == 'assistant' -%}
                    {{- 'Assistant: ' + message['content'] + eos_token -}}
                {%- elif message['role'] == 'system' -%}
                    {{- message['content'] + "\n\n" -}}
                {%- endif -%}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
                {{- 'Assistant:' -}}
            {%- endif -%}
            """;
        Assert.That(ChatTemplates.Detect(relaid).Name, Is.EqualTo("deepseek-v2"));
        // Spaces inside tags, and one line break at the very end (jinja2 drops it), are not output.
        Assert.That(ChatTemplates.Detect(PublishedTemplates.Qwen2Instruct.Replace("{{'", "{{ '").Replace("'}}", "' }}") + "\n").Name, Is.EqualTo("qwen2"));
    }

    // The published distill template (PublishedTemplates.DeepSeekR1DistillQwen) laid out on lines as llama.cpp lays out
    // its copy: every line break and indentation is removed by a '-' sign, so it outputs the same text.
    private const string DistillLaidOut =
        """
        {% if not add_generation_prompt is defined -%}
          {%- set add_generation_prompt = false -%}
        {%- endif -%}
        {%- set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') -%}
        {%- for message in messages -%}
          {%- if message['role'] == 'system' -%}
            {%- set ns.system_prompt = message['content'] -%}
          {%- endif -%}
        {%- endfor -%}{{bos_token}}{{ns.system_prompt}}
        {%- for message in messages -%}
          {%- if message['role'] == 'user' -%}
            {%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}
          {%- endif -%}
          {%- if message['role'] == 'assistant' and message['content'] is none -%}
            {%- set ns.is_tool = false -%}
            {%- for tool in message['tool_calls']-%}
              {%- if not ns.is_first -%}
                {{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n' + '```json' + '\n' + tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}
                {%- set ns.is_first = true -%}
              {%- else -%}
                {{'\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n' + '```json' + '\n' + tool['function']['arguments'] + '\n' + '```' + '<｜tool▁call▁end｜>'}}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}
              {%- endif -%}
            {%- endfor -%}
          {%- endif -%}
          {%- if message['role'] == 'assistant' and message['content'] is not none -%}
            {%- if ns.is_tool -%}{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}
              {%- set ns.is_tool = false -%}
            {%- else -%}
              {%- set content = message['content'] -%}
              {%- if '</think>' in content -%}
                {%- set content = content.split('</think>')[-1] -%}
              {%- endif -%}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}
            {%- endif -%}
          {%- endif -%}
          {%- if message['role'] == 'tool' -%}
            {%- set ns.is_tool = true -%}
            {%- if ns.is_output_first -%}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}
              {%- set ns.is_output_first = false -%}
              {%- else -%}{{'\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}
            {%- endif -%}
          {%- endif -%}
        {%- endfor -%}
        {%- if ns.is_tool -%}{{'<｜tool▁outputs▁end｜>'}}
        {%- endif -%}
        {%- if add_generation_prompt and not ns.is_tool -%}{{'<｜Assistant｜><think>\n'}}
        {%- endif %}
        """;

    [Test]
    public void Detect_DistillLaidOutOnLines_IsTheDistill()
    {
        Assert.That(JinjaCanonicalForm.Of(DistillLaidOut), Is.EqualTo(JinjaCanonicalForm.Of(PublishedTemplates.DeepSeekR1DistillQwen)));
        IChatTemplate template = ChatTemplates.Detect(DistillLaidOut);
        Assert.That(template.Name, Is.EqualTo("deepseek-r1"));
        Assert.That(template.Render([ChatMessage.System("S"), ChatMessage.User("Hi")], true),
            Is.EqualTo("<｜begin▁of▁sentence｜>S<｜User｜>Hi<｜Assistant｜><think>\n"));
        // A line break after '%}' is taken by trim_blocks: still the same text.
        Assert.That(ChatTemplates.Detect(DistillLaidOut.Replace("{%- endfor -%}{{bos_token}}", "{%- endfor %}\n{{bos_token}}")).Name, Is.EqualTo("deepseek-r1"));
    }

    // Each change adds text that Jinja outputs (checked with jinja2 3.1.6 in transformers' settings: the prompt changes),
    // so the template is not the distill's any more, however little it looks changed.
    [TestCase("{{bos_token}}{{ns.system_prompt}}", "{{bos_token}}\n{{ns.system_prompt}}")]                  // a line break after '}}' is output
    [TestCase("{%- endfor -%}{{bos_token}}", "{%- endfor %}\n  {{bos_token}}")]                              // trim_blocks takes the line break, not the indentation before '{{'
    [TestCase("message['content']}}\n  {%- endif -%}", "message['content']}}\n  {% endif -%}")]           // without '{%-', lstrip_blocks takes the indentation, not the line break
    [TestCase("{%- endif -%}{{'<｜Assistant｜>' + content", "{%- endif %} {{'<｜Assistant｜>' + content")]           // without '-%}', a space before '{{' is output
    public void Detect_DistillWithOutputWhitespace_IsNotTheDistill(string original, string changed)
    {
        Assert.That(DistillLaidOut.Contains(original, StringComparison.Ordinal), $"the template holds '{original}'");
        string jinja = DistillLaidOut.Replace(original, changed);
        Assert.That(ChatTemplates.TryDetect(jinja, out _), Is.False);
        Assert.Throws<ChatTemplateException>(() => ChatTemplates.Detect(jinja));
    }

    [Test]
    public void Detect_LlamaCppDistillCopy_IsRefused()
    {
        // llama.cpp's copy outputs no text of its own: its layout is harmless, and it is its tool-call edits that make it
        // another template; it is refused rather than rendered as the distill.
        Assert.That(JinjaLexer.TryLex(PublishedTemplates.DeepSeekR1DistillQwen32BLlamaCpp, out List<JinjaSegment>? segments, out _), Is.True);
        Assert.That(segments!.Where(s => s.Kind == JinjaSegmentKind.Text), Is.Empty);
        Assert.That(ChatTemplates.TryDetect(PublishedTemplates.DeepSeekR1DistillQwen32BLlamaCpp, out _), Is.False);
    }

    // The one-line published texts: a line break or spaces where Jinja outputs them is another template.
    [TestCase(nameof(PublishedTemplates.DeepSeekR1DistillQwen), "{{bos_token}}{{ns.system_prompt}}", "{{bos_token}}\n{{ns.system_prompt}}")]
    [TestCase(nameof(PublishedTemplates.Qwen2Instruct), "{% endif %}{{'<|im_start|>'", "{% endif %}  {{'<|im_start|>'")]
    [TestCase(nameof(PublishedTemplates.Llama3Instruct), "{{ content }}{% endfor %}", "{{ content }}\n{% endfor %}")]
    [TestCase(nameof(PublishedTemplates.DeepSeekV2Chat), "{{ bos_token }}{% for", "{{ bos_token }} {% for")]
    [TestCase(nameof(PublishedTemplates.MistralV1), "{%- endif %}\n\n{{- bos_token }}", "{%- endif %}\n\n{{ bos_token }}")]
    [TestCase(nameof(PublishedTemplates.Qwen3), "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}", "{%- if add_generation_prompt %}\n    {{ '<|im_start|>assistant\\n' }}")]
    public void Detect_PublishedTemplateWithOutputWhitespace_IsNotRecognised(string which, string original, string changed)
    {
        string jinja = (string)typeof(PublishedTemplates).GetField(which)!.GetValue(null)!;
        Assert.That(jinja, Does.Contain(original));
        Assert.That(ChatTemplates.TryDetect(jinja.Replace(original, changed), out _), Is.False);
    }

    [TestCase("'Assistant:'", "'Assistant: '")] // generation prompt with a trailing space
    [TestCase("'User: '", "'User:'")]
    [TestCase("eos_token }}", "eos_token + '\n' }}")]
    public void Detect_DeepSeekTemplateWithDifferentOutput_IsNotRecognised(string original, string changed)
    {
        string modified = PublishedTemplates.DeepSeekV2Chat.Replace(original, changed);
        Assert.That(modified, Is.Not.EqualTo(PublishedTemplates.DeepSeekV2Chat));
        Assert.That(ChatTemplates.TryDetect(modified, out _), Is.False);
    }

    [Test]
    public void Detect_QwenShapeWithAnotherDefaultPrompt_IsNotRecognised()
    {
        // Same structure, Qwen2.5's default prompt: rendering it as Qwen2 would be wrong.
        string other = PublishedTemplates.Qwen2Instruct.Replace("You are a helpful assistant.", "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
        Assert.That(ChatTemplates.TryDetect(other, out _), Is.False);
    }

    [TestCase(nameof(PublishedTemplates.MistralV7))]
    [TestCase(nameof(PublishedTemplates.Gemma7BIt))]
    [TestCase(nameof(PublishedTemplates.Phi3Small))]
    [TestCase(nameof(PublishedTemplates.DeepSeekV25))]
    [TestCase(nameof(PublishedTemplates.DeepSeekV31))]
    [TestCase(nameof(PublishedTemplates.QwQ32B))]
    [TestCase(nameof(PublishedTemplates.DeepSeekR1DistillQwen32BLlamaCpp))]
    public void Detect_UnsupportedFamily_NamesWhatWasFoundAndTheSupportedFamilies(string which)
    {
        string jinja = (string)typeof(PublishedTemplates).GetField(which)!.GetValue(null)!;
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Detect(jinja))!;
        string excerpt = jinja[..100].Replace("\n", "\\n");
        Assert.That(e.TemplateExcerpt, Is.EqualTo(excerpt + "…"));
        Assert.That(e.Message, Does.Contain(excerpt).And.Contain($"({jinja.Length} characters)"));
        foreach (string family in ChatTemplates.FamilyNames) Assert.That(e.Message, Does.Contain(family));
        Assert.That(e.Message, Does.Contain("ChatTemplateOptions.Family").And.Contain("ChatTemplateOptions.Template"));
        Assert.That(e.SupportedFamilies, Is.EqualTo(ChatTemplates.FamilyNames));
        Assert.That(ChatTemplates.TryDetect(jinja, out IChatTemplate? none), Is.False);
        Assert.That(none, Is.Null);
    }

    [Test]
    public void Detect_ShortUnknownTemplate_ShowsItWhole()
    {
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Detect("{{ messages[0].content }}\n"))!;
        Assert.That(e.TemplateExcerpt, Is.EqualTo("{{ messages[0].content }}\\n"));
        Assert.That(e.Message, Does.Contain("\"{{ messages[0].content }}\\n\" (26 characters)"));
    }

    [Test]
    public void Detect_UnknownTemplateWithOverride_UsesTheOverride()
    {
        Assert.That(ChatTemplates.Detect(PublishedTemplates.Gemma7BIt, new ChatTemplateOptions { Family = "chatml" }).Name, Is.EqualTo("chatml"));
        var custom = new UpperCaseTemplate();
        Assert.That(ChatTemplates.Detect(PublishedTemplates.Gemma7BIt, new ChatTemplateOptions { Template = custom }), Is.SameAs(custom));
        // The custom template wins over a family name, and over a template that would be detected.
        Assert.That(ChatTemplates.Detect(PublishedTemplates.Qwen2Instruct, new ChatTemplateOptions { Template = custom, Family = "llama3" }), Is.SameAs(custom));
        // A forced family wins over detection.
        Assert.That(ChatTemplates.Detect(PublishedTemplates.Qwen2Instruct, new ChatTemplateOptions { Family = "Mistral" }).Name, Is.EqualTo("mistral-v1"));
    }

    [TestCase("deepseek-v2", "deepseek-v2")]
    [TestCase("DeepSeek2", "deepseek-v2")]
    [TestCase("qwen", "qwen2")]
    [TestCase(" llama-3 ", "llama3")]
    [TestCase("mixtral", "mistral-v1")]
    [TestCase("mistral-legacy", "mistral-legacy")]
    [TestCase("ChatML", "chatml")]
    [TestCase("deepseek3", "deepseek-v3")]
    [TestCase("DeepSeek-R1-Distill", "deepseek-r1")]
    [TestCase("qwen3-moe", "qwen3")]
    public void ByName_NameOrAlias_GivesTheFamily(string name, string family)
    {
        Assert.That(ChatTemplates.ByName(name).Name, Is.EqualTo(family));
    }

    [Test]
    public void ByName_Unknown_NamesItAndListsTheFamiliesWithAliases()
    {
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplates.ByName("vicuna"))!;
        Assert.That(e.FamilyName, Is.EqualTo("vicuna"));
        Assert.That(e.Message, Does.Contain("'vicuna'").And.Contain("deepseek-v2 (deepseek2").And.Contain("mistral-v1 (mistral, mixtral)"));
        Assert.Throws<ChatTemplateException>(() => ChatTemplates.Detect(PublishedTemplates.Qwen2Instruct, new ChatTemplateOptions { Family = "vicuna" }));
    }

    [Test]
    public void ByName_TokenOverrides_ReplaceBosAndEos()
    {
        var options = new ChatTemplateOptions { BosToken = "[BOS]", EosToken = "[EOS]" };
        Assert.That(ChatTemplates.ByName("deepseek-v2", options).Render([ChatMessage.User("a"), ChatMessage.Assistant("b")], false),
            Is.EqualTo("[BOS]User: a\n\nAssistant: b[EOS]"));
        Assert.That(ChatTemplates.ByName("mistral-v1", options).Render([ChatMessage.User("a"), ChatMessage.Assistant("b")], false),
            Is.EqualTo("[BOS] [INST] a [/INST] b[EOS]"));
        Assert.That(ChatTemplates.ByName("llama3", options).Render([ChatMessage.User("a")], false),
            Is.EqualTo("[BOS]<|start_header_id|>user<|end_header_id|>\n\na<|eot_id|>"));
    }

    // llama.cpp's test-chat-template.cpp renders one conversation through each template with a Jinja engine
    // (bos_token "", eos_token as given). Its expected strings are an independent check of the renderers.
    private static readonly ChatMessage[] LlamaCppConversation =
    [
        ChatMessage.System("You are a helpful assistant"),
        ChatMessage.User("Hello"),
        ChatMessage.Assistant("Hi there"),
        ChatMessage.User("Who are you"),
        ChatMessage.Assistant("   I am an assistant   "),
        ChatMessage.User("Another question"),
    ];

    private static IEnumerable<TestCaseData> LlamaCppExpected()
    {
        yield return new TestCaseData(PublishedTemplates.OpenHermes25, "",
            "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n")
            .SetName("Render_LlamaCppReference_OpenHermes25");
        yield return new TestCaseData(PublishedTemplates.Llama3Original, "",
            "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
            .SetName("Render_LlamaCppReference_Llama3");
        yield return new TestCaseData(PublishedTemplates.DeepSeekV2Chat, "<｜end▁of▁sentence｜>",
            "You are a helpful assistant\n\nUser: Hello\n\nAssistant: Hi there<｜end▁of▁sentence｜>User: Who are you\n\nAssistant:    I am an assistant   <｜end▁of▁sentence｜>User: Another question\n\nAssistant:")
            .SetName("Render_LlamaCppReference_DeepSeekV2");
        yield return new TestCaseData(PublishedTemplates.MistralV1, "</s>",
            " [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]")
            .SetName("Render_LlamaCppReference_MistralV1");
    }

    [TestCaseSource(nameof(LlamaCppExpected))]
    public void Render_LlamaCppReference(string jinja, string eos, string expected)
    {
        IChatTemplate template = ChatTemplates.Detect(jinja, new ChatTemplateOptions { BosToken = "", EosToken = eos });
        Assert.That(template.Render(LlamaCppConversation, addGenerationPrompt: true), Is.EqualTo(expected));
    }

    [Test]
    public void CustomTemplate_IsUsedAsIs()
    {
        IChatTemplate t = ChatTemplates.Detect("anything", new ChatTemplateOptions { Template = new UpperCaseTemplate() });
        Assert.That(t.Render([ChatMessage.User("hi")], true), Is.EqualTo("USER: HI\nASSISTANT:"));
    }

    /// <summary>A user-written formatter, as a service would supply for a model this runtime does not know.</summary>
    private sealed class UpperCaseTemplate : IChatTemplate
    {
        public string Name => "upper";

        public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
            string.Concat(messages.Select(m => $"{m.Role.ToString().ToUpperInvariant()}: {m.Content.ToUpperInvariant()}\n"))
            + (addGenerationPrompt ? "ASSISTANT:" : "");
    }
}
