using NativeInfer.Chat;

namespace NativeInfer.Tests.Chat;

/// <summary>
/// Each family's renderer against the exact text its Jinja template produces, written out by hand from
/// the published template (the Jinja is quoted above each family's cases; bos_token/eos_token are the
/// model's tokenizer-config values). One fixed conversation for every family.
/// </summary>
public class ChatTemplateRenderingTests
{
    private static readonly ChatMessage System = ChatMessage.System("You are terse.");
    private static readonly ChatMessage Hello = ChatMessage.User("Hello");
    private static readonly ChatMessage HiThere = ChatMessage.Assistant("Hi there");
    private static readonly ChatMessage WhoAreYou = ChatMessage.User("Who are you?");

    private static readonly Dictionary<string, ChatMessage[]> Conversations = new()
    {
        ["system+user"] = [System, Hello],
        ["user"] = [Hello],
        ["user/assistant/user"] = [Hello, HiThere, WhoAreYou],
        ["system+user/assistant/user"] = [System, Hello, HiThere, WhoAreYou],
    };

    private static TestCaseData Case(string family, string conversation, bool addGenerationPrompt, string expected) =>
        new TestCaseData(family, conversation, addGenerationPrompt, expected)
            .SetName($"Render_{family}_{conversation}_{(addGenerationPrompt ? "withGenerationPrompt" : "noGenerationPrompt")}");

    private static IEnumerable<TestCaseData> Cases()
    {
        // ---- deepseek-v2: {{ bos_token }} … user → 'User: ' + content + '\n\n'; assistant → 'Assistant: ' + content + eos_token;
        //      system → content + '\n\n'; add_generation_prompt → 'Assistant:'
        const string B = "<｜begin▁of▁sentence｜>", E = "<｜end▁of▁sentence｜>";
        yield return Case("deepseek-v2", "system+user", true, B + "You are terse.\n\nUser: Hello\n\nAssistant:");
        yield return Case("deepseek-v2", "system+user", false, B + "You are terse.\n\nUser: Hello\n\n");
        yield return Case("deepseek-v2", "user", true, B + "User: Hello\n\nAssistant:");
        yield return Case("deepseek-v2", "user", false, B + "User: Hello\n\n");
        yield return Case("deepseek-v2", "user/assistant/user", true, B + "User: Hello\n\nAssistant: Hi there" + E + "User: Who are you?\n\nAssistant:");
        yield return Case("deepseek-v2", "user/assistant/user", false, B + "User: Hello\n\nAssistant: Hi there" + E + "User: Who are you?\n\n");
        yield return Case("deepseek-v2", "system+user/assistant/user", true,
            B + "You are terse.\n\nUser: Hello\n\nAssistant: Hi there" + E + "User: Who are you?\n\nAssistant:");

        // ---- qwen2: on the first message, if messages[0] is not system: '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n';
        //      every message '<|im_start|>' + role + '\n' + content + '<|im_end|>' + '\n'; add_generation_prompt → '<|im_start|>assistant\n'
        const string QwenDefault = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";
        yield return Case("qwen2", "system+user", true, "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("qwen2", "system+user", false, "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n");
        yield return Case("qwen2", "user", true, QwenDefault + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("qwen2", "user", false, QwenDefault + "<|im_start|>user\nHello<|im_end|>\n");
        yield return Case("qwen2", "user/assistant/user", true,
            QwenDefault + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("qwen2", "user/assistant/user", false,
            QwenDefault + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n");
        yield return Case("qwen2", "system+user/assistant/user", true,
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n");

        // ---- chatml: as qwen2 without the default system message
        yield return Case("chatml", "system+user", true, "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("chatml", "user", true, "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("chatml", "user", false, "<|im_start|>user\nHello<|im_end|>\n");
        yield return Case("chatml", "user/assistant/user", true,
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n");

        // ---- llama3: content = '<|start_header_id|>' + role + '<|end_header_id|>\n\n' + content|trim + '<|eot_id|>', bos_token before
        //      the first only; add_generation_prompt → '<|start_header_id|>assistant<|end_header_id|>\n\n'
        const string L = "<|begin_of_text|>", Header = "<|start_header_id|>assistant<|end_header_id|>\n\n";
        yield return Case("llama3", "system+user", true,
            L + "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>" + Header);
        yield return Case("llama3", "system+user", false,
            L + "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>");
        yield return Case("llama3", "user", true, L + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>" + Header);
        yield return Case("llama3", "user", false, L + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>");
        yield return Case("llama3", "user/assistant/user", true,
            L + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|>"
              + "<|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|>" + Header);
        yield return Case("llama3", "system+user/assistant/user", false,
            L + "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
              + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|>");

        // ---- mistral-v1: bos_token; first user (after an optional system) ' [INST] ' + system + '\n\n' + content + ' [/INST]';
        //      other users ' [INST] ' + content + ' [/INST]'; assistant ' ' + content + eos_token; no generation prompt
        yield return Case("mistral-v1", "system+user", true, "<s> [INST] You are terse.\n\nHello [/INST]");
        yield return Case("mistral-v1", "system+user", false, "<s> [INST] You are terse.\n\nHello [/INST]");
        yield return Case("mistral-v1", "user", true, "<s> [INST] Hello [/INST]");
        yield return Case("mistral-v1", "user/assistant/user", true, "<s> [INST] Hello [/INST] Hi there</s> [INST] Who are you? [/INST]");
        yield return Case("mistral-v1", "user/assistant/user", false, "<s> [INST] Hello [/INST] Hi there</s> [INST] Who are you? [/INST]");
        yield return Case("mistral-v1", "system+user/assistant/user", true, "<s> [INST] You are terse.\n\nHello [/INST] Hi there</s> [INST] Who are you? [/INST]");

        // ---- mistral-legacy: bos_token; user '[INST] ' + content + ' [/INST]'; assistant content + eos_token; no system, no generation prompt
        yield return Case("mistral-legacy", "user", true, "<s>[INST] Hello [/INST]");
        yield return Case("mistral-legacy", "user/assistant/user", true, "<s>[INST] Hello [/INST]Hi there</s>[INST] Who are you? [/INST]");
        yield return Case("mistral-legacy", "user/assistant/user", false, "<s>[INST] Hello [/INST]Hi there</s>[INST] Who are you? [/INST]");

        // ---- deepseek-v3: {{ bos_token }}{{ ns.system_prompt }} (the system messages); user → '<｜User｜>' + content;
        //      assistant → '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'; add_generation_prompt → '<｜Assistant｜>'
        const string U = "<｜User｜>", A = "<｜Assistant｜>";
        yield return Case("deepseek-v3", "system+user", true, B + "You are terse." + U + "Hello" + A);
        yield return Case("deepseek-v3", "system+user", false, B + "You are terse." + U + "Hello");
        yield return Case("deepseek-v3", "user", true, B + U + "Hello" + A);
        yield return Case("deepseek-v3", "user", false, B + U + "Hello");
        yield return Case("deepseek-v3", "user/assistant/user", true, B + U + "Hello" + A + "Hi there" + E + U + "Who are you?" + A);
        yield return Case("deepseek-v3", "user/assistant/user", false, B + U + "Hello" + A + "Hi there" + E + U + "Who are you?");
        yield return Case("deepseek-v3", "system+user/assistant/user", true, B + "You are terse." + U + "Hello" + A + "Hi there" + E + U + "Who are you?" + A);

        // ---- deepseek-r1 (the updated R1 template): as deepseek-v3, add_generation_prompt → '<｜Assistant｜><think>\n'
        yield return Case("deepseek-r1", "system+user", true, B + "You are terse." + U + "Hello" + A + "<think>\n");
        yield return Case("deepseek-r1", "user", false, B + U + "Hello");
        yield return Case("deepseek-r1", "user/assistant/user", true, B + U + "Hello" + A + "Hi there" + E + U + "Who are you?" + A + "<think>\n");
        yield return Case("deepseek-r1", "system+user/assistant/user", true,
            B + "You are terse." + U + "Hello" + A + "Hi there" + E + U + "Who are you?" + A + "<think>\n");

        // ---- qwen3: a first system message → '<|im_start|>system\n' + content + '<|im_end|>\n'; user (and later system)
        //      messages '<|im_start|>' + role + '\n' + content + '<|im_end|>\n'; an assistant message before the last user
        //      query '<|im_start|>assistant\n' + content + '<|im_end|>\n'; add_generation_prompt → '<|im_start|>assistant\n'.
        //      No default system prompt.
        const string Q3System = "<|im_start|>system\nYou are terse.<|im_end|>\n";
        yield return Case("qwen3", "system+user", true, Q3System + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("qwen3", "system+user", false, Q3System + "<|im_start|>user\nHello<|im_end|>\n");
        yield return Case("qwen3", "user", true, "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("qwen3", "user/assistant/user", true,
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n");
        yield return Case("qwen3", "user/assistant/user", false,
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n");
        yield return Case("qwen3", "system+user/assistant/user", true,
            Q3System + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n");
    }

    [TestCaseSource(nameof(Cases))]
    public void Render_MatchesTheJinjaOutput(string family, string conversation, bool addGenerationPrompt, string expected)
    {
        IChatTemplate template = ChatTemplates.ByName(family);
        Assert.That(template.Render(Conversations[conversation], addGenerationPrompt), Is.EqualTo(expected));
    }

    [Test]
    public void Render_Qwen15Version_UsesItsDefaultPromptWithoutFullStop()
    {
        // Qwen1.5's template: '<|im_start|>system\nYou are a helpful assistant<|im_end|>\n'
        IChatTemplate template = ChatTemplates.Detect(PublishedTemplates.Qwen15MoeChat);
        Assert.That(template.Render([Hello], addGenerationPrompt: true),
            Is.EqualTo("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"));
    }

    [Test]
    public void Render_Llama3OriginalVersion_AppendsTheHeaderEvenWithoutGenerationPrompt()
    {
        // Its Jinja ends in {{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }} with no {% if add_generation_prompt %}.
        IChatTemplate template = ChatTemplates.Detect(PublishedTemplates.Llama3Original);
        Assert.That(template.Render([Hello], addGenerationPrompt: false),
            Is.EqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"));
    }

    [Test]
    public void Render_MistralLegacyV01Version_PutsASpaceAfterEos()
    {
        // {{ message['content'] + eos_token + ' ' }}
        IChatTemplate template = ChatTemplates.Detect(PublishedTemplates.Mistral7BInstructV01Original);
        Assert.That(template.Render([Hello, HiThere, WhoAreYou], addGenerationPrompt: true),
            Is.EqualTo("<s>[INST] Hello [/INST]Hi there</s> [INST] Who are you? [/INST]"));
    }

    [Test]
    public void Render_Llama3_TrimsContentAsPythonStripDoes()
    {
        // content | trim is Python's str.strip(): it also strips U+001C..U+001F, which .NET's Trim() keeps.
        IChatTemplate template = ChatTemplates.ByName("llama3");
        string prompt = template.Render([ChatMessage.User(" \t\u001F Hello \u00A0\n"), ChatMessage.Assistant("\u3000 Hi \u001C")], addGenerationPrompt: false);
        Assert.That(prompt, Is.EqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                                       + "<|start_header_id|>assistant<|end_header_id|>\n\nHi<|eot_id|>"));
    }

    [TestCase("deepseek-v2", "<｜begin▁of▁sentence｜>User:   Hello \n\n\n")]
    [TestCase("qwen2", "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n  Hello \n<|im_end|>\n")]
    [TestCase("mistral-v1", "<s> [INST]   Hello \n [/INST]")]
    public void Render_OtherFamilies_KeepContentWhitespace(string family, string expected)
    {
        Assert.That(ChatTemplates.ByName(family).Render([ChatMessage.User("  Hello \n")], addGenerationPrompt: false), Is.EqualTo(expected));
    }

    [Test]
    public void Render_EmptyConversation_IsWhatTheJinjaGives()
    {
        // DeepSeek: bos + 'Assistant:'. Qwen2: the default system message is emitted inside the loop, so none.
        // Llama 3: BOS is attached to the first message, so an empty conversation has none.
        Assert.That(ChatTemplates.ByName("deepseek-v2").Render([], true), Is.EqualTo("<｜begin▁of▁sentence｜>Assistant:"));
        Assert.That(ChatTemplates.ByName("qwen2").Render([], true), Is.EqualTo("<|im_start|>assistant\n"));
        Assert.That(ChatTemplates.ByName("llama3").Render([], true), Is.EqualTo("<|start_header_id|>assistant<|end_header_id|>\n\n"));
        Assert.That(ChatTemplates.ByName("mistral-legacy").Render([], true), Is.EqualTo("<s>"));
    }

    [Test]
    public void Render_DeepSeek_SystemMessageLaterInTheConversation_IsBareText()
    {
        // The Jinja has no "first message only" rule for system: it is content + '\n\n' wherever it is.
        string prompt = ChatTemplates.ByName("deepseek-v2").Render([Hello, HiThere, ChatMessage.System("Be brief."), WhoAreYou], true);
        Assert.That(prompt, Is.EqualTo("<｜begin▁of▁sentence｜>User: Hello\n\nAssistant: Hi there<｜end▁of▁sentence｜>Be brief.\n\nUser: Who are you?\n\nAssistant:"));
    }

    [Test]
    public void Render_Qwen2_ConversationEndingWithAssistant_KeepsItsEndToken()
    {
        string prompt = ChatTemplates.ByName("qwen2").Render([System, Hello, HiThere], addGenerationPrompt: false);
        Assert.That(prompt, Is.EqualTo("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n"));
    }

    [Test]
    public void Render_Mistral_RejectsWhatTheJinjaRejects()
    {
        IChatTemplate v1 = ChatTemplates.ByName("mistral-v1");
        var e = Assert.Throws<ChatConversationException>(() => v1.Render([Hello, Hello], true))!;
        Assert.That((e.Template, e.MessageIndex), Is.EqualTo(("mistral-v1", 1)));
        Assert.That(e.Message, Does.Contain("conversation roles must alternate"));

        // A system message at an odd position passes the alternation test and fails the role test, as in the Jinja.
        e = Assert.Throws<ChatConversationException>(() => v1.Render([Hello, System], true))!;
        Assert.That(e.MessageIndex, Is.EqualTo(1));
        Assert.That(e.Message, Does.Contain("Only user and assistant roles are supported"));

        e = Assert.Throws<ChatConversationException>(() => v1.Render([System, HiThere], true))!;
        Assert.That(e.MessageIndex, Is.EqualTo(1));

        e = Assert.Throws<ChatConversationException>(() => v1.Render([Hello, HiThere, Hello, System], true))!;
        Assert.That(e.MessageIndex, Is.EqualTo(3));
        Assert.That(e.Message, Does.Contain("Only user and assistant roles are supported"));

        Assert.Throws<ChatConversationException>(() => v1.Render([], true));

        IChatTemplate legacy = ChatTemplates.ByName("mistral-legacy");
        e = Assert.Throws<ChatConversationException>(() => legacy.Render([System, Hello], true))!;
        Assert.That((e.Template, e.MessageIndex), Is.EqualTo(("mistral-legacy", 0)));
        Assert.That(e.Message, Does.Contain("Conversation roles must alternate"));
        e = Assert.Throws<ChatConversationException>(() => legacy.Render([Hello, System], true))!;
        Assert.That(e.Message, Does.Contain("Only user and assistant roles are supported!"));
    }

    [Test]
    public void Render_NullMessages_AreArgumentErrors()
    {
        foreach (ChatTemplateFamily family in ChatTemplates.Families)
        {
            IChatTemplate t = ChatTemplates.ByName(family.Name);
            Assert.Throws<ArgumentNullException>(() => t.Render(null!, true), family.Name);
            Assert.Throws<ArgumentException>(() => t.Render([Hello, null!], true), family.Name);
        }
    }

    [Test]
    public void ChatMessage_RejectsNullContentAndUnknownRoles()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new ChatMessage(ChatRole.User, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ChatMessage((ChatRole)7, "x"));
        Assert.Throws<ArgumentNullException>(() => _ = Hello with { Content = null! });
        Assert.That(ChatMessage.User("a"), Is.EqualTo(new ChatMessage(ChatRole.User, "a")));
    }
}
