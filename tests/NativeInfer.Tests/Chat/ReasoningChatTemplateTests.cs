using NativeInfer.Chat;

namespace NativeInfer.Tests.Chat;

/// <summary>
/// The DeepSeek-V3 / R1 and Qwen3 templates, version by version: reasoning in the history, where the
/// generation prompt goes, the system prompt, the thinking switch. Expected strings are written out by hand
/// from the Jinja (the relevant fragment is quoted with each test); each published version is selected by
/// detecting its text (<see cref="PublishedTemplates"/>).
/// </summary>
public class ReasoningChatTemplateTests
{
    private const string B = "<｜begin▁of▁sentence｜>", E = "<｜end▁of▁sentence｜>", U = "<｜User｜>", A = "<｜Assistant｜>";

    // A reply as an R1 or Qwen3 model writes it, reasoning first.
    private static readonly ChatMessage[] ReasonedExchange =
        [ChatMessage.User("What is 2+2?"), ChatMessage.Assistant("<think>\nAdd them.\n</think>\n\n4"), ChatMessage.User("And 3+3?")];

    private static readonly ChatMessage Hello = ChatMessage.User("Hello");
    private static readonly ChatMessage HiThere = ChatMessage.Assistant("Hi there");

    private static IChatTemplate Detect(string jinja, ChatTemplateOptions? options = null) => ChatTemplates.Detect(jinja, options);

    // ---- DeepSeek

    [Test]
    public void DeepSeekR1_EarlierReasoningIsRemoved_V3KeepsIt()
    {
        // R1: {% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}; V3 has no such step.
        const string withoutReasoning = B + U + "What is 2+2?" + A + "\n\n4" + E + U + "And 3+3?" + A;
        Assert.That(Detect(PublishedTemplates.DeepSeekR1).Render(ReasonedExchange, true), Is.EqualTo(withoutReasoning + "<think>\n"));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1Original).Render(ReasonedExchange, true), Is.EqualTo(withoutReasoning));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1DistillQwen).Render(ReasonedExchange, true), Is.EqualTo(withoutReasoning + "<think>\n"));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1DistillLlama8BOriginal).Render(ReasonedExchange, true), Is.EqualTo(withoutReasoning));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1_0528).Render(ReasonedExchange, true), Is.EqualTo(withoutReasoning));

        const string withReasoning = B + U + "What is 2+2?" + A + "<think>\nAdd them.\n</think>\n\n4" + E + U + "And 3+3?" + A;
        Assert.That(Detect(PublishedTemplates.DeepSeekV3).Render(ReasonedExchange, true), Is.EqualTo(withReasoning));
        Assert.That(Detect(PublishedTemplates.DeepSeekV3_0324).Render(ReasonedExchange, true), Is.EqualTo(withReasoning));
    }

    [TestCase("a</think>b</think>c", "c")]                  // split('</think>')[-1]: after the last one
    [TestCase("Add them.\n</think>\n\n4", "\n\n4")]        // a reply after R1's '<think>\n' prompt has no opening tag
    [TestCase("<think>\nno end", "<think>\nno end")]      // no '</think>': kept as is
    [TestCase("4", "4")]
    public void DeepSeekR1_KeepsWhatFollowsTheLastEndOfThinking(string reply, string kept)
    {
        IChatTemplate r1 = ChatTemplates.ByName("deepseek-r1");
        Assert.That(r1.Render([ChatMessage.User("q"), ChatMessage.Assistant(reply)], false), Is.EqualTo(B + U + "q" + A + kept + E));
    }

    [Test]
    public void DeepSeek_SystemMessagesJoinInFront_TheDistillsKeepTheLast()
    {
        // V3/R1: ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] after the first; distills: = message['content'].
        ChatMessage[] conversation = [ChatMessage.System("A"), ChatMessage.User("x"), ChatMessage.System("B"), ChatMessage.Assistant("y"), ChatMessage.User("z")];
        Assert.That(Detect(PublishedTemplates.DeepSeekV3).Render(conversation, true), Is.EqualTo(B + "A\n\nB" + U + "x" + A + "y" + E + U + "z" + A));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1).Render(conversation, true), Is.EqualTo(B + "A\n\nB" + U + "x" + A + "y" + E + U + "z" + A + "<think>\n"));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1DistillQwen).Render(conversation, true), Is.EqualTo(B + "B" + U + "x" + A + "y" + E + U + "z" + A + "<think>\n"));
        // An empty first system message still counts as the first: the second is joined after a blank line.
        Assert.That(Detect(PublishedTemplates.DeepSeekV3).Render([ChatMessage.System(""), ChatMessage.System("B"), ChatMessage.User("x")], false),
            Is.EqualTo(B + "\n\nB" + U + "x"));
    }

    [Test]
    public void DeepSeekV3_0324_TheUserTurnOpensTheReply_TheGenerationPromptFollowsOnlyAnAssistantTurn()
    {
        // {{'<｜User｜>' + message['content'] + '<｜Assistant｜>'}}; an assistant message is content + '<｜end▁of▁sentence｜>';
        // {% if add_generation_prompt and not ns.is_last_user and not ns.is_tool %}{{'<｜Assistant｜>'}}{% endif %}
        IChatTemplate v0324 = Detect(PublishedTemplates.DeepSeekV3_0324), v3 = Detect(PublishedTemplates.DeepSeekV3);
        Assert.That(v0324.Render([Hello], false), Is.EqualTo(B + U + "Hello" + A), "the reply is opened even without a generation prompt");
        Assert.That(v0324.Render([Hello], true), Is.EqualTo(B + U + "Hello" + A), "and not opened twice with one");
        Assert.That(v3.Render([Hello], false), Is.EqualTo(B + U + "Hello"));
        Assert.That(v0324.Render([Hello, HiThere], true), Is.EqualTo(B + U + "Hello" + A + "Hi there" + E + A));
        Assert.That(v0324.Render([Hello, HiThere], false), Is.EqualTo(B + U + "Hello" + A + "Hi there" + E));
        Assert.That(v0324.Render([ChatMessage.Assistant("x")], false), Is.EqualTo(B + "x" + E), "an assistant message without a user turn before it");
        Assert.That(v3.Render([ChatMessage.Assistant("x")], false), Is.EqualTo(B + A + "x" + E));
        Assert.That(v0324.Render([ChatMessage.System("You are terse.")], true), Is.EqualTo(B + "You are terse." + A), "a system message is not a user turn");
    }

    [Test]
    public void DeepSeekR1_0528_RemovesReasoningInTheV3_0324Layout()
    {
        ChatMessage[] conversation = [ChatMessage.User("q"), ChatMessage.Assistant("<think>r</think>a"), ChatMessage.User("q2")];
        Assert.That(Detect(PublishedTemplates.DeepSeekR1_0528).Render(conversation, false), Is.EqualTo(B + U + "q" + A + "a" + E + U + "q2" + A));
    }

    [Test]
    public void DeepSeek_EmptyConversation_IsBosAndTheGenerationPrompt()
    {
        Assert.That(Detect(PublishedTemplates.DeepSeekV3).Render([], true), Is.EqualTo(B + A));
        Assert.That(Detect(PublishedTemplates.DeepSeekV3).Render([], false), Is.EqualTo(B));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1).Render([], true), Is.EqualTo(B + A + "<think>\n"));
        Assert.That(Detect(PublishedTemplates.DeepSeekR1_0528).Render([], true), Is.EqualTo(B + A));
    }

    [Test]
    public void DeepSeek_BosComesFromTheOptions_TheEndOfSentenceIsWrittenByTheTemplate()
    {
        // The templates write '<｜end▁of▁sentence｜>' literally, not eos_token; bos_token is a variable.
        var options = new ChatTemplateOptions { BosToken = "[BOS]", EosToken = "[EOS]" };
        Assert.That(ChatTemplates.ByName("deepseek-v3", options).Render([ChatMessage.User("a"), ChatMessage.Assistant("b")], false),
            Is.EqualTo("[BOS]" + U + "a" + A + "b" + E));
    }

    // ---- Qwen3

    [Test]
    public void Qwen3_ThinkingOff_AppendsAnEmptyThinkingBlock_OnOrUnsetAppendsNothing()
    {
        // {{- '<|im_start|>assistant\n' }}{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\n\n</think>\n\n' }}{%- endif %}
        const string prompt = "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n";
        Assert.That(Detect(PublishedTemplates.Qwen3, new ChatTemplateOptions { EnableThinking = false }).Render([Hello], true),
            Is.EqualTo(prompt + "<think>\n\n</think>\n\n"));
        Assert.That(Detect(PublishedTemplates.Qwen3, new ChatTemplateOptions { EnableThinking = true }).Render([Hello], true), Is.EqualTo(prompt));
        Assert.That(Detect(PublishedTemplates.Qwen3).Render([Hello], true), Is.EqualTo(prompt));
        Assert.That(ChatTemplates.ByName("qwen3", new ChatTemplateOptions { EnableThinking = false }).Render([Hello], false),
            Is.EqualTo("<|im_start|>user\nHello<|im_end|>\n"), "the switch only changes the generation prompt");
    }

    [Test]
    public void Qwen3_ThinkingSwitch_IsAPropertyOfTheTemplate()
    {
        var unset = (IThinkingChatTemplate)ChatTemplates.ByName("qwen3");
        Assert.That(unset.EnableThinking, Is.Null);
        IThinkingChatTemplate off = unset.WithThinking(false);
        Assert.That((off.EnableThinking, unset.EnableThinking), Is.EqualTo(((bool?)false, (bool?)null)), "a new template; the original is unchanged");
        Assert.That(ChatTemplates.WithThinking(off, null), Is.SameAs(off), "null leaves a template as it is");
        Assert.That(((IThinkingChatTemplate)ChatTemplates.WithThinking(off, true)).EnableThinking, Is.True);
    }

    [TestCase(nameof(PublishedTemplates.DeepSeekR1), "deepseek-r1", false)]
    [TestCase(nameof(PublishedTemplates.DeepSeekV3), "deepseek-v3", true)]
    [TestCase(nameof(PublishedTemplates.Qwen3Thinking2507), "qwen3", false)]
    [TestCase(nameof(PublishedTemplates.Qwen3Instruct2507), "qwen3", true)]
    public void ThinkingSwitch_OnATemplateWithoutOne_IsAnErrorThatSaysSo(string which, string family, bool value)
    {
        string jinja = (string)typeof(PublishedTemplates).GetField(which)!.GetValue(null)!;
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Detect(jinja, new ChatTemplateOptions { EnableThinking = value }))!;
        Assert.That(e.Message, Does.Contain($"the {family} chat template has no thinking switch").And.Contain(value ? "turned on" : "turned off")
                                  .And.Contain("EnableThinking"));
        Assert.That(ChatTemplates.Detect(jinja).Name, Is.EqualTo(family), "unset, the same template is fine");
        Assert.Throws<ChatTemplateException>(() => ChatTemplates.TryDetect(jinja, out _, new ChatTemplateOptions { EnableThinking = value }));
    }

    [Test]
    public void Qwen3_EarlierReasoningIsRemoved()
    {
        // Before the last user query: '<|im_start|>' + message.role + '\n' + content, content = content.split('</think>')[-1].lstrip('\n')
        string expected = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n";
        Assert.That(Detect(PublishedTemplates.Qwen3).Render(ReasonedExchange, true), Is.EqualTo(expected));
        Assert.That(Detect(PublishedTemplates.Qwen3Instruct2507).Render(ReasonedExchange, true), Is.EqualTo(expected));
        Assert.That(Detect(PublishedTemplates.Qwen3Thinking2507).Render(ReasonedExchange, true), Is.EqualTo(expected + "<think>\n"));
    }

    [Test]
    public void Qwen3_AfterTheLastQuery_ReasoningIsKept_AlwaysInTheFinalMessage()
    {
        // {%- if loop.index0 > ns.last_query_index %}{%- if loop.last or (not loop.last and reasoning_content) %}
        //   '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n')
        IChatTemplate qwen3 = ChatTemplates.ByName("qwen3");
        Assert.That(qwen3.Render([ChatMessage.User("q"), ChatMessage.Assistant("<think>\nr\n</think>\n\na")], false),
            Is.EqualTo("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\na<|im_end|>\n"));
        Assert.That(qwen3.Render([ChatMessage.User("q"), ChatMessage.Assistant("a")], false),
            Is.EqualTo("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\na<|im_end|>\n"), "the final message gets an empty block");
        Assert.That(qwen3.Render([ChatMessage.User("q"), ChatMessage.Assistant("a1"), ChatMessage.Assistant("<think>r</think>a2")], false),
            Is.EqualTo("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\na1<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\na2<|im_end|>\n"),
            "an earlier message without reasoning gets none");
    }

    [Test]
    public void Qwen3_AToolResponseInAUserMessage_IsNotAQuery()
    {
        // ns.last_query_index: the last user message not wrapped in <tool_response>…</tool_response>.
        ChatMessage[] conversation =
        [
            ChatMessage.User("q"), ChatMessage.Assistant("<think>r1</think>a1"), ChatMessage.User("<tool_response>42</tool_response>"), ChatMessage.Assistant("a2"),
        ];
        Assert.That(ChatTemplates.ByName("qwen3").Render(conversation, false),
            Is.EqualTo("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nr1\n</think>\n\na1<|im_end|>\n"
                       + "<|im_start|>user\n<tool_response>42</tool_response><|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\na2<|im_end|>\n"));
    }

    [Test]
    public void Qwen3_StripsOnlyLineFeeds_AsPythonsStripWithAnArgument()
    {
        IChatTemplate qwen3 = ChatTemplates.ByName("qwen3");
        Assert.That(qwen3.Render([ChatMessage.User("q"), ChatMessage.Assistant("\n\n<think>\n\nr\n\n</think>\n\n\na")], false),
            Is.EqualTo("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\na<|im_end|>\n"));
        // lstrip('\n') leaves a carriage return.
        Assert.That(qwen3.Render([ChatMessage.User("q"), ChatMessage.Assistant("a</think>\r\nb"), ChatMessage.User("q2")], false),
            Is.EqualTo("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n\r\nb<|im_end|>\n<|im_start|>user\nq2<|im_end|>\n"));
    }

    [Test]
    public void Qwen3_AFirstSystemMessageIsTheSystemBlock_ALaterOneIsWrittenInPlace()
    {
        Assert.That(ChatTemplates.ByName("qwen3").Render([ChatMessage.System("A"), ChatMessage.User("x"), ChatMessage.System("B")], true),
            Is.EqualTo("<|im_start|>system\nA<|im_end|>\n<|im_start|>user\nx<|im_end|>\n<|im_start|>system\nB<|im_end|>\n<|im_start|>assistant\n"));
    }

    [Test]
    public void Qwen3_2507_GenerationPrompts()
    {
        Assert.That(Detect(PublishedTemplates.Qwen3Thinking2507).Render([Hello], true), Is.EqualTo("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n"));
        Assert.That(Detect(PublishedTemplates.Qwen3Instruct2507).Render([Hello], true), Is.EqualTo("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"));
        Assert.That(Detect(PublishedTemplates.Qwen3Instruct2507), Is.Not.InstanceOf<IThinkingChatTemplate>());
    }

    [TestCase(nameof(PublishedTemplates.Qwen3))]
    [TestCase(nameof(PublishedTemplates.Qwen3Thinking2507))]
    [TestCase(nameof(PublishedTemplates.Qwen3Instruct2507))]
    public void Qwen3_EmptyConversation_IsAnError(string which)
    {
        // The Jinja reads messages[0].role first, which fails on an empty list.
        string jinja = (string)typeof(PublishedTemplates).GetField(which)!.GetValue(null)!;
        var e = Assert.Throws<ChatConversationException>(() => Detect(jinja).Render([], true))!;
        Assert.That((e.Template, e.MessageIndex), Is.EqualTo(("qwen3", 0)));
        Assert.That(e.Message, Does.Contain("messages[0]"));
    }
}
