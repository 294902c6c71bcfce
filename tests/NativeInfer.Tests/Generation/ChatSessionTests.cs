using NativeInfer.Chat;
using NativeInfer.Generation;
using NativeInfer.Generation.Chat;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// ChatSession on the tiny models: the cache kept across turns (tokens fed counted against the template's
/// new text), equality with a fresh session given the same tokens, overflow by dropping turns, rewind, cancellation.
/// </summary>
[NonParallelizable]
public class ChatSessionTests
{
    /// <summary>One-token batches everywhere, so a chat and a fresh session that evaluate the same tokens in different batches agree bit for bit.</summary>
    private static readonly GenerationSessionOptions TokenByToken = new() { Threads = 1, ContextLength = 512, MaxBatchTokens = 1 };

    /// <summary>Generation forced to the tokens of <paramref name="text"/> (SentencePiece: without its space prefix, so the text comes out as given).</summary>
    private static GenerationOptions Forced(LanguageModel model, string text, params int[] extra)
    {
        int[] tokens = [.. ReplyTokens(model, text), .. extra];
        return new GenerationOptions { LogitsProcessors = [new ForceTokens(tokens)], MaxTokens = tokens.Length };
    }

    private static int[] ReplyTokens(LanguageModel model, string text) =>
        model.Tokenizer.Kind == NativeInfer.Tokenization.TokenizerKind.SentencePiece && text.StartsWith(' ')
            ? model.Tokenizer.Encode(text[1..]) : model.Tokenizer.Encode(text);

    [TestCase(TestModels.DeepseekQ, "\n", false)]
    [TestCase(TestModels.DeepseekQ, "\n", true)]
    [TestCase(TestModels.DeepseekF32, "</s>\n", false)]
    public void SecondTurn_EvaluatesOnlyTheTemplatesNewText(string name, string endOfTurn, bool endWithEos)
    {
        var formatter = new TestChatTemplate(endOfTurn);
        using LanguageModel model = TestModels.Load(name, TestModels.Options() with { ChatTemplate = new ChatTemplateOptions { Template = formatter } });
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken, SystemPrompt = "Be brief." });
        int eos = model.Tokenizer.Eos;

        GenerationResult first = chat.Send("Hello there", endWithEos ? Forced(model, " Hi, how are you", eos) : Forced(model, " Hi, how are you"));
        Assert.That(first.Text, Is.EqualTo(" Hi, how are you"));
        Assert.That(first.FinishReason, Is.EqualTo(endWithEos ? FinishReason.StopToken : FinishReason.MaxTokens));
        Assert.That(chat.History.Select(t => t.Role), Is.EqualTo(new[] { ChatRole.System, ChatRole.User, ChatRole.Assistant }));
        Assert.That(chat.History[^1].Content, Is.EqualTo(" Hi, how are you"));

        string render1 = formatter.Render([ChatMessage.System("Be brief."), ChatMessage.User("Hello there")], true);
        string render2 = formatter.Render([.. chat.History, ChatMessage.User("And now?")], true);
        Assert.That(render2, Does.StartWith(render1 + first.Text), "the template continues the first prompt and the reply");
        int[] prompt1 = model.Tokenizer.Encode(render1, addBos: model.Tokenizer.AddBos, parseSpecial: true);
        int[] reply = ReplyTokens(model, " Hi, how are you");
        int[] rest = model.Tokenizer.Encode(render2[(render1.Length + first.Text.Length)..], parseSpecial: true);

        long before = chat.Session.TokensEvaluated;
        GenerationResult second = chat.Send("And now?", TestModels.Sampled(2, 5));
        // Fed: the new text, plus the reply's last token, which was sampled but never evaluated (not the EOS, which the template replaces).
        int expectedFed = rest.Length + (endWithEos ? 0 : 1);
        Assert.That(second.EvaluatedTokens, Is.EqualTo(expectedFed));
        Assert.That(chat.Session.TokensEvaluated - before, Is.EqualTo(expectedFed + 4), "prefill + 4 decode steps");
        Assert.That(second.CachedTokens, Is.EqualTo(prompt1.Length + reply.Length - (endWithEos ? 0 : 1)));
        Assert.That(second.PromptTokens, Is.EqualTo(prompt1.Length + reply.Length + rest.Length), "the whole prompt of the turn");

        // The same tokens in a fresh session give the same reply.
        using GenerationSession fresh = model.CreateSession(TokenByToken);
        int[] all = [.. prompt1, .. reply, .. rest];
        GenerationResult expected = fresh.Generate(all, TestModels.Sampled(2, 5));
        Assert.That(second.Tokens, Is.EqualTo(expected.Tokens));
    }

    [Test]
    public void TemplateThatRewritesHistory_FallsBackToTheCommonTokenPrefix()
    {
        var template = new TrimmingTemplate();
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = new ChatTemplateOptions { Template = template } });
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken });
        chat.Send("Hello", Forced(model, " Hi there  "));
        GenerationResult second = chat.Send("Next", TestModels.Sampled(3, 4));

        int[] full = model.Tokenizer.Encode(template.Render(chat.History.Take(3).ToList(), true), addBos: true, parseSpecial: true);
        using GenerationSession fresh = model.CreateSession(TokenByToken);
        Assert.That(second.Tokens, Is.EqualTo(fresh.Generate(full, TestModels.Sampled(3, 4)).Tokens));
        Assert.That(second.CachedTokens + second.EvaluatedTokens, Is.EqualTo(full.Length), "cached prefix + evaluated = the re-encoded prompt");
        Assert.That(second.CachedTokens, Is.GreaterThan(0));
    }

    [Test]
    public void StopString_TheCutReplyJoinsTheHistory_AndTheNextTurnStillReusesTheCache()
    {
        var formatter = new TestChatTemplate();
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = new ChatTemplateOptions { Template = formatter } });
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken });
        GenerationResult first = chat.Send("Say yes", Forced(model, " yes STOP no") with { StopStrings = ["STOP"] });
        Assert.That(first.Text, Is.EqualTo(" yes "));
        Assert.That(first.FinishReason, Is.EqualTo(FinishReason.StopString));
        Assert.That(chat.History[^1], Is.EqualTo(ChatMessage.Assistant(" yes ")));

        string render1 = formatter.Render([ChatMessage.User("Say yes")], true);
        string render2 = formatter.Render([.. chat.History, ChatMessage.User("ok")], true);
        GenerationResult second = chat.Send("ok", TestModels.Sampled(1, 3));
        // Committed: the prompt and " yes" (the token " STOP" went past the cut); new text: " " + the rest.
        int[] rest = model.Tokenizer.Encode(render2[(render1.Length + " yes".Length)..], parseSpecial: true);
        Assert.That(second.EvaluatedTokens, Is.EqualTo(rest.Length));
    }

    [Test]
    public void CancelledTurn_AddsNothingToTheHistory_AndTheNextTurnIsCorrect()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ);
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken, SystemPrompt = "sys" });
        chat.Send("first", TestModels.Sampled(1, 4));
        var history = chat.History.ToList();

        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (GeneratedToken t in chat.SendAsync("second", TestModels.Sampled(2, 10), cts.Token))
                if (t.Index == 2) cts.Cancel();
        });
        Assert.That(chat.History, Is.EqualTo(history), "the cancelled user message was taken back");

        GenerationResult again = chat.Send("second", TestModels.Sampled(2, 6));
        using ChatSession reference = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken, SystemPrompt = "sys" });
        reference.Send("first", TestModels.Sampled(1, 4));
        Assert.That(again.Tokens, Is.EqualTo(reference.Send("second", TestModels.Sampled(2, 6)).Tokens));
    }

    [Test]
    public void Rewind_ThenReply_RegeneratesTheSameReplyWithTheSameSeed()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ);
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken });
        GenerationResult a = chat.Send("question", TestModels.Sampled(11, 6));
        chat.Rewind(1);
        Assert.That(chat.History, Has.Count.EqualTo(1));
        GenerationResult b = chat.ReplyAsync(TestModels.Sampled(11, 6)).ToResult();
        Assert.That(b.Tokens, Is.EqualTo(a.Tokens));
        Assert.That(chat.History[^1].Content, Is.EqualTo(a.Text));
        Assert.Throws<ArgumentOutOfRangeException>(() => chat.Rewind(5));
    }

    [Test]
    public void TruncateOldest_DropsWholeExchanges_KeepsTheSystemPrompt_NeverFails()
    {
        var options = TestModels.Options() with { Session = new GenerationSessionOptions { Threads = 1, ContextLength = 96, OverflowPolicy = ContextOverflowPolicy.TruncateOldest } };
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, options);
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { SystemPrompt = "You are a test." });
        for (int turn = 0; turn < 12; turn++)
        {
            GenerationResult r = chat.Send($"message number {turn} with some words", TestModels.Sampled((ulong)turn, 8));
            Assert.That(r.Tokens, Has.Count.EqualTo(8));
            Assert.That(chat.History[0], Is.EqualTo(ChatMessage.System("You are a test.")));
            Assert.That(chat.History[1].Role, Is.EqualTo(ChatRole.User), "exchanges are dropped whole");
            Assert.That(chat.History[^2], Is.EqualTo(ChatMessage.User($"message number {turn} with some words")));
        }
        Assert.That(chat.History.Count, Is.LessThan(25), "old exchanges were dropped");
        int[] prompt = model.Tokenizer.Encode(chat.Template.Render(chat.History.Take(chat.History.Count - 1).ToList(), true), addBos: true, parseSpecial: true);
        Assert.That(prompt.Length + 8, Is.LessThanOrEqualTo(96), "the last prompt and its reserve fit");
    }

    [Test]
    public void Throw_APromptThatCannotFit_IsAContextLengthError_AndTheHistoryIsUnchanged()
    {
        var options = TestModels.Options() with { Session = new GenerationSessionOptions { Threads = 1, ContextLength = 48 } };
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, options);
        using ChatSession chat = model.CreateChatSession();
        chat.Send("short", TestModels.Sampled(1, 4));
        var history = chat.History.ToList();
        string huge = string.Join(" ", Enumerable.Range(0, 60).Select(i => $"w{i}"));
        Assert.Throws<ContextLengthExceededException>(() => chat.SendAsync(huge));
        Assert.That(chat.History, Is.EqualTo(history));
        Assert.DoesNotThrow(() => chat.Send("again", TestModels.Sampled(1, 2)));
    }

    [Test]
    public void DeepSeekTemplate_ReplyStoredWithoutTheTemplatesSpace_SecondTurnReusesTheWholeCache()
    {
        // The demo model carries the published DeepSeek-V2 template: "Assistant:" opens the reply, but the
        // history renders "Assistant: " + content, so the space the model generated belongs to the template.
        string dir = Path.Combine(Path.GetTempPath(), "nativeinfer-tests", "demo");
        using LanguageModel model = LanguageModel.Load(NativeInfer.Models.Synthetic.Demo.DemoModel.EnsureWritten(dir),
                                                       TestModels.Options() with { ChatTemplate = null });
        Assert.That(model.ChatTemplate.Name, Is.EqualTo("deepseek-v2"));
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken });
        GenerationResult first = chat.Send("How does NativeInfer run a mixture of experts model?", new GenerationOptions { Sampling = new() { Temperature = 0 }, MaxTokens = 12 });
        Assert.That(first.Text, Does.StartWith(" "), "the model writes the space after 'Assistant:' itself");
        Assert.That(chat.History[^1].Content, Is.EqualTo(first.Text.TrimStart()));

        GenerationResult second = chat.Send("And the rules?", new GenerationOptions { Sampling = new() { Temperature = 0 }, MaxTokens = 4 });
        // Everything the first turn evaluated is reused: its prompt and every generated token but the last
        // (sampled, not yet fed); the rendering of the history continues exactly that text.
        int evaluatedInFirstTurn = first.PromptTokens + first.Tokens.Count - 1;
        Assert.That(second.CachedTokens, Is.EqualTo(evaluatedInFirstTurn));
        string rendered = model.ChatTemplate.Render(chat.History.Take(3).ToList(), addGenerationPrompt: true);
        Assert.That(chat.Session.Tokens[..second.PromptTokens].ToArray(), Is.EqualTo(model.Tokenizer.EncodePrompt(rendered)));
    }

    [Test]
    public void ModelWithoutChatTemplate_ChatIsAClearError_GenerationStillWorks()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = null });
        var e = Assert.Throws<ChatTemplateException>(() => model.CreateChatSession())!;
        Assert.That(e.Message, Does.Contain("tiny-deepseek2-q.gguf").And.Contain("has no chat template").And.Contain("ChatTemplateOptions.Family"));
        using GenerationSession session = model.CreateSession();
        Assert.That(session.Generate("Hello", TestModels.Sampled(1, 2)).Tokens, Has.Count.EqualTo(2));
    }

    [Test]
    public void FamilyOverride_RendersWithThatFamily()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = new ChatTemplateOptions { Family = "deepseek-v2" } });
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken });
        Assert.That(chat.Template.Name, Is.EqualTo("deepseek-v2"));
        GenerationResult r = chat.Send("Hello", TestModels.Sampled(5, 3));
        // The prompt is the family's rendering, tokenized with exactly one BOS.
        int[] expected = model.Tokenizer.EncodePrompt(ChatTemplates.ByName("deepseek-v2", new ChatTemplateOptions
        {
            BosToken = model.Tokenizer.TokenText(model.Tokenizer.Bos), EosToken = model.Tokenizer.TokenText(model.Tokenizer.Eos),
        }).Render([ChatMessage.User("Hello")], true));
        Assert.That(r.PromptTokens, Is.EqualTo(expected.Length));
        Assert.That(chat.Session.Tokens[..expected.Length].ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void ThinkingOff_ThePromptEndsWithQwen3sEmptyThinkingBlock()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = new ChatTemplateOptions { Family = "qwen3" } });
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken, EnableThinking = false });
        Assert.That(chat.Template, Is.InstanceOf<IThinkingChatTemplate>().With.Property(nameof(IThinkingChatTemplate.EnableThinking)).EqualTo(false));
        GenerationResult r = chat.Send("Hello", TestModels.Sampled(5, 3));
        // Qwen3's prompt with enable_thinking false: '<|im_start|>assistant\n' then '<think>\n\n</think>\n\n'.
        int[] expected = model.Tokenizer.EncodePrompt("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        Assert.That(r.PromptTokens, Is.EqualTo(expected.Length));
        Assert.That(chat.Session.Tokens[..expected.Length].ToArray(), Is.EqualTo(expected));

        // The model's own template is unchanged: another chat without the option thinks.
        using ChatSession thinking = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken });
        Assert.That(thinking.Template.Render([ChatMessage.User("Hello")], true), Does.EndWith("<|im_start|>assistant\n"));
    }

    [Test]
    public void ThinkingSwitch_ForATemplateWithoutOne_IsAClearError_GenerationStillWorks()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = new ChatTemplateOptions { Family = "deepseek-r1" } });
        var e = Assert.Throws<ChatTemplateException>(() => model.CreateChatSession(new ChatSessionOptions { EnableThinking = false }))!;
        Assert.That(e.Message, Does.Contain("deepseek-r1 chat template has no thinking switch"));
        using ChatSession chat = model.CreateChatSession(new ChatSessionOptions { Session = TokenByToken });
        Assert.That(chat.Send("Hello", TestModels.Sampled(1, 2)).Tokens, Has.Count.EqualTo(2));

        // Set when the model is loaded, the error comes when a chat asks for the template; plain generation is unaffected.
        using LanguageModel loaded = TestModels.Load(TestModels.DeepseekQ,
            TestModels.Options() with { ChatTemplate = new ChatTemplateOptions { Family = "deepseek-r1", EnableThinking = false } });
        Assert.Throws<ChatTemplateException>(() => loaded.CreateChatSession());
        using GenerationSession session = loaded.CreateSession();
        Assert.That(session.Generate("Hello", TestModels.Sampled(1, 2)).Tokens, Has.Count.EqualTo(2));
    }

    /// <summary>A template that trims assistant messages: the next rendering does not continue the reply as generated.</summary>
    private sealed class TrimmingTemplate : IChatTemplate
    {
        public string Name => "test-trimming";

        public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
            new TestChatTemplate().Render(messages.Select(m => m.Role == ChatRole.Assistant ? m with { Content = m.Content.Trim() } : m).ToList(), addGenerationPrompt);
    }
}
