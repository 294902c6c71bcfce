using TemplateMessage = NativeInfer.Chat.ChatMessage;
using Microsoft.Extensions.AI;
using NativeInfer.Generation;
using NativeInfer.Generation.Chat;
using NativeInfer.Generation.ChatClient;
using NativeInfer.Generation.Sampling;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Generation;

/// <summary>
/// The IChatClient end to end on a tiny model (gibberish text: structure, determinism, cancellation, mapping), compared
/// with a GenerationSession given the same prompt tokens and the options the mapping should produce.
/// </summary>
[NonParallelizable]
public class ChatClientTests
{
    private static readonly GenerationSessionOptions TokenByToken = new() { Threads = 1, ContextLength = 512, MaxBatchTokens = 1 };
    private LanguageModel _model = null!;
    private readonly TestChatTemplate _formatter = new();

    [OneTimeSetUp]
    public void Load() => _model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = new NativeInfer.Chat.ChatTemplateOptions { Template = _formatter } });

    [OneTimeTearDown]
    public void Unload() => _model?.Dispose();

    private NativeInferChatClient Client(int concurrency = 1, GenerationOptions? generation = null) =>
        _model.AsChatClient(new NativeInferChatClientOptions { Session = TokenByToken, MaxConcurrentRequests = concurrency, Generation = generation });

    private static ChatOptions Sampled(long seed, int maxTokens) => new()
    {
        Temperature = 1f, TopP = 1f, TopK = 0, Seed = seed, MaxOutputTokens = maxTokens,
        AdditionalProperties = new AdditionalPropertiesDictionary { [ChatOptionsMapper.MinP] = 0f },
    };

    private int[] PromptTokens(params TemplateMessage[] turns) => _model.Tokenizer.Encode(_formatter.Render(turns, true), addBos: _model.Tokenizer.AddBos, parseSpecial: true);

    /// <summary>What a plain session produces for the prompt tokens with the mapped options.</summary>
    private GenerationResult Expected(int[] prompt, long seed, int maxTokens)
    {
        using GenerationSession s = _model.CreateSession(TokenByToken);
        var options = new GenerationOptions
        {
            Sampling = new SamplingOptions { Temperature = 1f, TopP = 1f, TopK = 0, MinP = 0f, Seed = (ulong)seed }, MaxTokens = maxTokens,
        };
        return s.Generate(prompt, options);
    }

    [Test]
    public async Task GetResponse_HasOneAssistantMessage_Usage_FinishReason_AndTheSessionsText()
    {
        using NativeInferChatClient client = Client();
        ChatMessage[] messages = [new(ChatRole.System, "sys"), new(ChatRole.User, "Hello")];
        ChatResponse response = await client.GetResponseAsync(messages, Sampled(5, 6));

        int[] prompt = PromptTokens(TemplateMessage.System("sys"), TemplateMessage.User("Hello"));
        GenerationResult expected = Expected(prompt, 5, 6);
        Assert.That(response.Messages, Has.Count.EqualTo(1));
        Assert.That(response.Messages[0].Role, Is.EqualTo(ChatRole.Assistant));
        Assert.That(response.Text, Is.EqualTo(expected.Text));
        Assert.That(response.FinishReason, Is.EqualTo(ChatFinishReason.Length));
        Assert.That(response.ModelId, Is.EqualTo(_model.Name));
        Assert.That(response.ResponseId, Is.Not.Null.And.Not.Empty);
        Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(prompt.Length));
        Assert.That(response.Usage.OutputTokenCount, Is.EqualTo(6));
        Assert.That(response.Usage.TotalTokenCount, Is.EqualTo(prompt.Length + 6));
    }

    [Test]
    public async Task Seed_SameSeedSameText_DifferentSeedDifferentText()
    {
        using NativeInferChatClient client = Client();
        ChatMessage[] messages = [new(ChatRole.User, "Tell me a story")];
        string a = (await client.GetResponseAsync(messages, Sampled(42, 12))).Text;
        string b = (await client.GetResponseAsync(messages, Sampled(42, 12))).Text;
        string c = (await client.GetResponseAsync(messages, Sampled(43, 12))).Text;
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
    }

    [Test]
    public async Task Streaming_ConcatenatesToTheResponse_AndEndsWithFinishReasonAndUsage()
    {
        using NativeInferChatClient client = Client();
        ChatMessage[] messages = [new(ChatRole.User, "Stream please")];
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate u in client.GetStreamingResponseAsync(messages, Sampled(9, 10))) updates.Add(u);
        ChatResponse response = await client.GetResponseAsync(messages, Sampled(9, 10));

        Assert.That(string.Concat(updates.Select(u => u.Text)), Is.EqualTo(response.Text));
        Assert.That(updates.Select(u => u.Role), Is.All.EqualTo(ChatRole.Assistant));
        Assert.That(updates.Select(u => u.ResponseId).Distinct().Count(), Is.EqualTo(1));
        Assert.That(updates.Take(updates.Count - 1).Select(u => u.FinishReason), Is.All.Null);
        Assert.That(updates[^1].FinishReason, Is.EqualTo(ChatFinishReason.Length));
        UsageContent usage = updates[^1].Contents.OfType<UsageContent>().Single();
        Assert.That(usage.Details.OutputTokenCount, Is.EqualTo(10));
        Assert.That(updates.ToChatResponse().Text, Is.EqualTo(response.Text), "M.E.AI's own coalescing agrees");
    }

    [Test]
    public async Task Cancellation_MidStream_Throws_AndTheClientStaysUsable()
    {
        using NativeInferChatClient client = Client();
        ChatMessage[] messages = [new(ChatRole.User, "Cancel me")];
        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate _ in client.GetStreamingResponseAsync(messages, Sampled(3, 40), cts.Token))
                if (++seen == 2) cts.Cancel();
        });
        Assert.That(seen, Is.EqualTo(2));
        ChatResponse after = await client.GetResponseAsync(messages, Sampled(3, 8));
        Assert.That(after.Text, Is.EqualTo(Expected(PromptTokens(TemplateMessage.User("Cancel me")), 3, 8).Text));
    }

    [Test]
    public async Task Cancellation_WhileWaitingForASession_Throws()
    {
        using NativeInferChatClient client = Client(concurrency: 1);
        await using IAsyncEnumerator<ChatResponseUpdate> holder =
            client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hold")], Sampled(1, 30)).GetAsyncEnumerator();
        Assert.That(await holder.MoveNextAsync(), "the first request holds the only session");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.CatchAsync<OperationCanceledException>(async () => await client.GetResponseAsync([new ChatMessage(ChatRole.User, "wait")], Sampled(1, 3), cts.Token));
    }

    [Test]
    public async Task ChatOptions_MapOntoGenerationOptions_EndToEnd()
    {
        // Temperature 0 is greedy: the argmax continuation of a plain session.
        using NativeInferChatClient client = Client();
        int[] prompt = PromptTokens(TemplateMessage.User("Greedy"));
        ChatResponse greedy = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Greedy")], new ChatOptions { Temperature = 0, MaxOutputTokens = 5 });
        using GenerationSession s = _model.CreateSession(TokenByToken);
        Assert.That(greedy.Text, Is.EqualTo(s.Generate(prompt, new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxTokens = 5 }).Text));

        // Stop sequences end the reply (the model is forced to say " yes STOP no").
        var forced = new GenerationOptions { LogitsProcessors = [new ForceTokens(_model.Tokenizer.Encode(" yes STOP no"))] };
        using NativeInferChatClient forcing = Client(generation: forced);
        ChatResponse stopped = await forcing.GetResponseAsync([new ChatMessage(ChatRole.User, "Say it")], new ChatOptions { StopSequences = ["STOP"], MaxOutputTokens = 10 });
        Assert.That(stopped.Text, Is.EqualTo(" yes "));
        Assert.That(stopped.FinishReason, Is.EqualTo(ChatFinishReason.Stop));

        // Instructions become a leading system message.
        ChatResponse instructed = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { Instructions = "Be nice", MaxOutputTokens = 1 });
        Assert.That(instructed.Usage!.InputTokenCount, Is.EqualTo(PromptTokens(TemplateMessage.System("Be nice"), TemplateMessage.User("Hi")).Length));
    }

    [Test]
    public void ToGenerationOptions_MapsEveryOption()
    {
        var defaults = new GenerationOptions { StopStrings = ["<end>"], MaxTokens = 100 };
        var chat = new ChatOptions
        {
            Temperature = 0.3f, TopP = 0.7f, TopK = 12, Seed = -1, FrequencyPenalty = 0.4f, PresencePenalty = 0.2f, MaxOutputTokens = 33,
            StopSequences = ["\n\n", "User:"],
            AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [ChatOptionsMapper.MinP] = 0.12f, [ChatOptionsMapper.RepetitionPenalty] = 1.15f, [ChatOptionsMapper.PenaltyLastN] = 32,
            },
        };
        GenerationOptions g = ChatOptionsMapper.ToGenerationOptions(chat, defaults);
        Assert.That(g.Sampling, Is.EqualTo(new SamplingOptions
        {
            Temperature = 0.3f, TopP = 0.7f, TopK = 12, Seed = ulong.MaxValue, FrequencyPenalty = 0.4f, PresencePenalty = 0.2f,
            MinP = 0.12f, RepetitionPenalty = 1.15f, PenaltyLastN = 32,
        }));
        Assert.That(g.MaxTokens, Is.EqualTo(33));
        Assert.That(g.StopStrings, Is.EqualTo(new[] { "<end>", "\n\n", "User:" }));

        GenerationOptions unset = ChatOptionsMapper.ToGenerationOptions(new ChatOptions(), defaults);
        Assert.That(unset.Sampling, Is.EqualTo(defaults.Sampling));
        Assert.That(unset.MaxTokens, Is.EqualTo(100));
        Assert.That(unset.StopStrings, Is.EqualTo(new[] { "<end>" }));
        Assert.That(ChatOptionsMapper.ToGenerationOptions(null, defaults), Is.SameAs(defaults));
    }

    [Test]
    public void InvalidChatOptions_AreInvalidOptionExceptionsNamingTheOption()
    {
        var e = Assert.Throws<InvalidOptionException>(() => ChatOptionsMapper.ToGenerationOptions(new ChatOptions { TopP = 2f }, GenerationOptions.Default))!;
        Assert.That(e.Option, Is.EqualTo("SamplingOptions.TopP"));
        e = Assert.Throws<InvalidOptionException>(() => ChatOptionsMapper.ToGenerationOptions(new ChatOptions { MaxOutputTokens = 0 }, GenerationOptions.Default))!;
        Assert.That(e.Option, Is.EqualTo("GenerationOptions.MaxTokens"));
        using NativeInferChatClient client = Client();
        Assert.ThrowsAsync<InvalidOptionException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], new ChatOptions { TopK = -3 }));
    }

    [Test]
    public void FinishReasons_Map()
    {
        Assert.That(ChatOptionsMapper.ToChatFinishReason(FinishReason.StopToken), Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(ChatOptionsMapper.ToChatFinishReason(FinishReason.StopString), Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(ChatOptionsMapper.ToChatFinishReason(FinishReason.MaxTokens), Is.EqualTo(ChatFinishReason.Length));
        Assert.That(ChatOptionsMapper.ToChatFinishReason(FinishReason.ContextFull), Is.EqualTo(ChatFinishReason.Length));
        Assert.That(ChatOptionsMapper.ToChatFinishReason(FinishReason.None), Is.Null);
    }

    [Test]
    public async Task ConversationComingBack_ReusesTheCachedPrefix()
    {
        using NativeInferChatClient client = Client();
        ChatMessage[] first = [new(ChatRole.User, "Hello")];
        ChatResponse r1 = await client.GetResponseAsync(first, Sampled(1, 6));
        ChatMessage[] second = [.. first, .. r1.Messages, new(ChatRole.User, "More")];
        ChatResponse r2 = await client.GetResponseAsync(second, Sampled(2, 4));
        int prompt1 = PromptTokens(TemplateMessage.User("Hello")).Length;
        Assert.That(r2.Usage!.CachedInputTokenCount, Is.GreaterThanOrEqualTo(prompt1), "at least the first prompt came from the cache");
        int[] prompt2 = PromptTokens(TemplateMessage.User("Hello"), TemplateMessage.Assistant(r1.Text), TemplateMessage.User("More"));
        Assert.That(r2.Usage.InputTokenCount, Is.EqualTo(prompt2.Length));
        Assert.That(r2.Text, Is.EqualTo(Expected(prompt2, 2, 4).Text), "reuse does not change the result");
    }

    /// <summary>
    /// With the default batching (a prompt's uncached part in one prefill), a seeded reply sees the same logits
    /// bit for bit whatever the client's sessions held: a fresh client, a client reusing the cached
    /// conversation after a request cancelled mid-stream, and token-by-token evaluation on one thread.
    /// </summary>
    [Test]
    public async Task SeededReply_HasTheSameLogits_WhateverTheCacheHeld_WithDefaultBatching()
    {
        var batched = new GenerationSessionOptions { Threads = 2, ContextLength = 512 };
        NativeInferChatClient Make(GenerationSessionOptions session, LogitsHasher hasher) => _model.AsChatClient(
            new NativeInferChatClientOptions { Session = session, Generation = new GenerationOptions { LogitsProcessors = [hasher] } });
        static async Task<(string Text, ulong[] Logits, long Cached)> Reply(NativeInferChatClient client, LogitsHasher hasher, ChatMessage[] messages)
        {
            hasher.Hashes.Clear();
            ChatResponse r = await client.GetResponseAsync(messages, Sampled(2, 12));
            return (r.Text, [.. hasher.Hashes], r.Usage!.CachedInputTokenCount ?? 0);
        }

        ChatMessage[] first = [new(ChatRole.User, "Hello")];
        var warmHasher = new LogitsHasher();
        using NativeInferChatClient warm = Make(batched, warmHasher);
        ChatResponse r1 = await warm.GetResponseAsync(first, Sampled(1, 6));
        ChatMessage[] second = [.. first, .. r1.Messages, new(ChatRole.User, "More")];
        using (var cts = new CancellationTokenSource())
        {
            int seen = 0;
            Assert.CatchAsync<OperationCanceledException>(async () =>
            {
                await foreach (ChatResponseUpdate _ in warm.GetStreamingResponseAsync(second, Sampled(5, 40), cts.Token))
                    if (++seen == 3) cts.Cancel();
            });
        }
        var reused = await Reply(warm, warmHasher, second);

        var coldHasher = new LogitsHasher();
        using NativeInferChatClient cold = Make(batched, coldHasher);
        var fresh = await Reply(cold, coldHasher, second);

        var stepHasher = new LogitsHasher();
        using NativeInferChatClient stepwise = Make(TokenByToken, stepHasher);
        var tokenByToken = await Reply(stepwise, stepHasher, second);

        Assert.That(reused.Cached, Is.GreaterThanOrEqualTo(PromptTokens(TemplateMessage.User("Hello")).Length), "the warm client reused its cache");
        Assert.That(fresh.Cached, Is.Zero);
        Assert.That(fresh.Logits, Has.Length.EqualTo(12));
        Assert.That(reused.Logits, Is.EqualTo(fresh.Logits), "cache reuse after a cancelled request changed the logits");
        Assert.That(tokenByToken.Logits, Is.EqualTo(fresh.Logits), "one prefill and token-by-token evaluation (1 vs 2 threads) differ");
        Assert.That((reused.Text, tokenByToken.Text), Is.EqualTo((fresh.Text, fresh.Text)));
    }

    [Test]
    public async Task ConcurrentRequests_GiveTheSameResultsAsSerial()
    {
        string[] questions = ["one", "two", "three", "four"];
        using NativeInferChatClient serialClient = Client();
        var serial = new List<string>();
        foreach (string q in questions) serial.Add((await serialClient.GetResponseAsync([new ChatMessage(ChatRole.User, q)], Sampled(q.Length, 8))).Text);

        using NativeInferChatClient client = Client(concurrency: 2);
        string[] parallel = await Task.WhenAll(questions.Select(q => Task.Run(async () =>
            (await client.GetResponseAsync([new ChatMessage(ChatRole.User, q)], Sampled(q.Length, 8))).Text)));
        Assert.That(parallel, Is.EqualTo(serial));
    }

    [Test]
    public void GetService_ReturnsMetadataTheModelAndItself()
    {
        using NativeInferChatClient client = Client();
        IChatClient chat = client;
        var metadata = chat.GetService<ChatClientMetadata>()!;
        Assert.That(metadata.ProviderName, Is.EqualTo("NativeInfer"));
        Assert.That(metadata.DefaultModelId, Is.EqualTo(_model.Name));
        Assert.That(chat.GetService<LanguageModel>(), Is.SameAs(_model));
        Assert.That(chat.GetService<IChatClient>(), Is.SameAs(client));
        Assert.That(chat.GetService(typeof(ChatClientMetadata), "key"), Is.Null);
        Assert.That(chat.GetService(typeof(string)), Is.Null);
    }

    [Test]
    public async Task EnableThinking_PerRequestOrPerClient_SwitchesQwen3sThinking()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { ChatTemplate = new NativeInfer.Chat.ChatTemplateOptions { Family = "qwen3" } });
        int thinkingPrompt = NativeInfer.Chat.ChatPromptExtensions.EncodePrompt(model.Tokenizer, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n").Length;
        int quietPrompt = NativeInfer.Chat.ChatPromptExtensions.EncodePrompt(model.Tokenizer, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n").Length;
        Assert.That(quietPrompt, Is.GreaterThan(thinkingPrompt));
        ChatMessage[] messages = [new(ChatRole.User, "Hi")];
        ChatOptions Quiet(bool? thinking)
        {
            ChatOptions o = Sampled(1, 2);
            if (thinking is { } t) o.AdditionalProperties![ChatOptionsMapper.EnableThinking] = t;
            return o;
        }

        using (NativeInferChatClient client = model.AsChatClient(new NativeInferChatClientOptions { Session = TokenByToken }))
        {
            Assert.That((await client.GetResponseAsync(messages, Quiet(null))).Usage!.InputTokenCount, Is.EqualTo(thinkingPrompt));
            Assert.That((await client.GetResponseAsync(messages, Quiet(false))).Usage!.InputTokenCount, Is.EqualTo(quietPrompt));
        }
        using (NativeInferChatClient client = model.AsChatClient(new NativeInferChatClientOptions { Session = TokenByToken, EnableThinking = false }))
        {
            Assert.That((await client.GetResponseAsync(messages, Quiet(null))).Usage!.InputTokenCount, Is.EqualTo(quietPrompt));
            Assert.That((await client.GetResponseAsync(messages, Quiet(true))).Usage!.InputTokenCount, Is.EqualTo(thinkingPrompt), "the request wins");
        }

        // The test template has no switch: asking for one is an error, before anything is generated.
        using NativeInferChatClient plain = Client();
        Assert.ThrowsAsync<NativeInfer.Chat.ChatTemplateException>(() => plain.GetResponseAsync(messages, Quiet(false)));
        Assert.Throws<NativeInfer.Chat.ChatTemplateException>(() => _model.AsChatClient(new NativeInferChatClientOptions { EnableThinking = true }));
    }
}
