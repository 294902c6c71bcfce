using NativeInfer.Generation;
using NativeInfer.Generation.Sampling;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Generation;

/// <summary>GenerationSession and its stream on the tiny models: results against independent runs of the runtime, stops, rewinds, reuse.</summary>
[NonParallelizable]
public class GenerationSessionTests
{
    private const string Prompt = "The quick brown fox jumps over the lazy dog.";
    private LanguageModel _model = null!;

    [OneTimeSetUp]
    public void Load() => _model = TestModels.Load(TestModels.DeepseekQ);

    [OneTimeTearDown]
    public void Unload() => _model?.Dispose();

    /// <summary>
    /// Every token through the one-token (decode) path: a batched prefill computes the same logits only to
    /// rounding, so runs that evaluate a context in different batches are compared with this.
    /// </summary>
    private static readonly GenerationSessionOptions TokenByToken = new() { Threads = 1, ContextLength = 256, MaxBatchTokens = 1 };

    private static List<string> Texts(GenerationStream stream)
    {
        var texts = new List<string>();
        foreach (GeneratedToken t in stream) texts.Add(t.Text.ToString());
        return texts;
    }

    private static GenerationOptions Greedy(int maxTokens) => new() { Sampling = SamplingOptions.Greedy, MaxTokens = maxTokens, StopAtEndOfGeneration = false };

    [Test]
    public void Greedy_IsTheArgMaxOfTheRuntimesLogits_StepByStep()
    {
        int[] prompt = _model.Tokenizer.Encode(Prompt, addBos: true);
        using GenerationSession session = _model.CreateSession();
        GenerationResult result = session.Generate(prompt, Greedy(12));

        // Independently: the runtime session directly, argmax by hand, one token at a time.
        using InferenceSession raw = _model.Model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 256 });
        var logits = new float[raw.VocabSize];
        var expected = new List<int>();
        raw.Forward(prompt, logits);
        for (int i = 0; i < 12; i++)
        {
            int best = 0;
            for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[best]) best = v;
            expected.Add(best);
            if (i < 11) raw.Forward([best], logits);
        }
        Assert.That(result.Tokens, Is.EqualTo(expected));
        Assert.That(result.FinishReason, Is.EqualTo(FinishReason.MaxTokens));
        Assert.That(result.Text, Is.EqualTo(_model.Tokenizer.Decode(expected.ToArray())), "streamed text = Decode of the ids");
        Assert.That(session.Tokens.ToArray(), Is.EqualTo(prompt.Concat(expected).ToArray()), "the context is prompt + generated");
        Assert.That(session.CachedCount, Is.EqualTo(prompt.Length + 11), "the last token is pending, not yet evaluated");
    }

    [Test]
    public void Sampled_EqualsTheSamplerOnTheRuntimesLogits_WithTheSameSeed()
    {
        var options = new GenerationOptions
        {
            Sampling = new SamplingOptions { Temperature = 0.9f, TopK = 50, TopP = 0.9f, MinP = 0.01f, RepetitionPenalty = 1.3f, PenaltyLastN = 16, Seed = 77 },
            MaxTokens = 10, StopAtEndOfGeneration = false,
        };
        int[] prompt = _model.Tokenizer.Encode(Prompt, addBos: true);
        using GenerationSession session = _model.CreateSession();
        GenerationResult result = session.Generate(prompt, options);

        using InferenceSession raw = _model.Model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 256 });
        var logits = new float[raw.VocabSize];
        var sampler = new Sampler(raw.VocabSize);
        var random = new Xoshiro256StarStar(77);
        var context = new List<int>(prompt);
        raw.Forward(prompt, logits);
        for (int i = 0; i < 10; i++)
        {
            int id = sampler.Sample(logits, context.ToArray(), i, options.Sampling, [], ref random);
            context.Add(id);
            if (i < 9) raw.Forward([id], logits);
        }
        Assert.That(result.Tokens, Is.EqualTo(context.Skip(prompt.Length).ToArray()));
        Assert.That(result.Seed, Is.EqualTo(77UL));
    }

    [Test]
    public void SameSeed_SameOutput_DifferentSeed_DifferentOutput_NoSeed_ReportsTheOneUsed()
    {
        GenerationResult Run(ulong? seed)
        {
            using GenerationSession s = _model.CreateSession();
            var options = TestModels.Sampled(0, 16);
            return s.Generate(Prompt, options with { Sampling = options.Sampling with { Seed = seed } });
        }
        GenerationResult a = Run(123), b = Run(123), c = Run(124);
        Assert.That(b.Tokens, Is.EqualTo(a.Tokens));
        Assert.That(b.Text, Is.EqualTo(a.Text));
        Assert.That(c.Tokens, Is.Not.EqualTo(a.Tokens));
        GenerationResult free = Run(null);
        Assert.That(Run(free.Seed).Tokens, Is.EqualTo(free.Tokens), "the reported seed reproduces an unseeded run");
    }

    [Test]
    public void ParallelSessions_GiveTheSameResultsAsSerial_BitForBit()
    {
        string[] prompts = ["Once upon a time", "In 1492, Columbus sailed", "def fibonacci(n):", "The capital of France is", "东京是"];
        (int[] Tokens, string Text, List<ulong> Logits) Run(int i)
        {
            using GenerationSession s = _model.CreateSession();
            var hasher = new LogitsHasher();
            var options = TestModels.Sampled((ulong)(1000 + i), 24) with { LogitsProcessors = [hasher] };
            GenerationResult r = s.Generate(prompts[i], options);
            return (r.Tokens.ToArray(), r.Text, hasher.Hashes);
        }
        var serial = Enumerable.Range(0, prompts.Length).Select(Run).ToArray();
        var parallel = new (int[] Tokens, string Text, List<ulong> Logits)[prompts.Length];
        using var start = new Barrier(prompts.Length);
        Parallel.For(0, prompts.Length, new ParallelOptions { MaxDegreeOfParallelism = prompts.Length }, i =>
        {
            start.SignalAndWait();
            parallel[i] = Run(i);
        });
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.That(parallel[i].Tokens, Is.EqualTo(serial[i].Tokens), $"prompt {i}: tokens");
            Assert.That(parallel[i].Text, Is.EqualTo(serial[i].Text), $"prompt {i}: text");
            Assert.That(parallel[i].Logits, Is.EqualTo(serial[i].Logits), $"prompt {i}: every step's logits, bit for bit");
        }
        Assert.That(serial.Select(r => r.Tokens[0]).Distinct().Count(), Is.GreaterThan(1), "the prompts lead to different outputs");
    }

    [Test]
    public async Task AsyncAndSyncEnumeration_AgreeWithToResult()
    {
        var options = TestModels.Sampled(9, 12);
        using GenerationSession a = _model.CreateSession(), b = _model.CreateSession(), c = _model.CreateSession();
        var asyncIds = new List<int>();
        var asyncText = new System.Text.StringBuilder();
        await foreach (GeneratedToken t in a.GenerateAsync(Prompt, options))
        {
            Assert.That(t.Index, Is.EqualTo(asyncIds.Count));
            asyncIds.Add(t.TokenId);
            asyncText.Append(t.Text.Span);
            Assert.That(t.IsLast, Is.EqualTo(asyncIds.Count == 12));
        }
        var syncIds = new List<int>();
        foreach (GeneratedToken t in b.GenerateAsync(Prompt, options)) syncIds.Add(t.TokenId);
        GenerationResult result = c.Generate(Prompt, options);
        Assert.That(syncIds, Is.EqualTo(asyncIds));
        Assert.That(result.Tokens, Is.EqualTo(asyncIds));
        Assert.That(result.Text, Is.EqualTo(asyncText.ToString()));
    }

    // ------------------------------------------------------------------ stops

    [Test]
    public void EndOfGeneration_StopsByDefault_IsTheLastItemWithoutText_AndStaysInTheContext()
    {
        int eos = _model.Tokenizer.Eos;
        int[] forced = _model.Tokenizer.Encode(" one two");
        using GenerationSession s = _model.CreateSession();
        var items = new List<(int Id, string Text, FinishReason Finish)>();
        foreach (GeneratedToken t in s.GenerateAsync(Prompt, new GenerationOptions { LogitsProcessors = [new ForceTokens([.. forced, eos])] }))
            items.Add((t.TokenId, t.Text.ToString(), t.FinishReason));
        Assert.That(items.Select(i => i.Id), Is.EqualTo(forced.Append(eos)));
        Assert.That(items[^1], Is.EqualTo((eos, "", FinishReason.StopToken)));
        Assert.That(string.Concat(items.Select(i => i.Text)), Is.EqualTo(" one two"));
        Assert.That(s.Tokens[^1], Is.EqualTo(eos));

        using GenerationSession t2 = _model.CreateSession();
        var noStop = new GenerationOptions { LogitsProcessors = [new ForceTokens([.. forced, eos])], StopAtEndOfGeneration = false, MaxTokens = forced.Length + 3 };
        GenerationResult r = t2.Generate(Prompt, noStop);
        Assert.That(r.FinishReason, Is.EqualTo(FinishReason.MaxTokens));
        Assert.That(r.Tokens[forced.Length], Is.EqualTo(eos), "generation went on past EOS");
    }

    [Test]
    public void StopTokens_EndTheGeneration()
    {
        int[] forced = _model.Tokenizer.Encode(" alpha beta gamma delta");
        using GenerationSession s = _model.CreateSession();
        GenerationResult r = s.Generate(Prompt, new GenerationOptions { LogitsProcessors = [new ForceTokens(forced)], StopTokens = [forced[2]] });
        Assert.That(r.Tokens, Is.EqualTo(forced[..3]));
        Assert.That(r.FinishReason, Is.EqualTo(FinishReason.StopToken));
        Assert.That(r.Text, Is.EqualTo(_model.Tokenizer.Decode(forced[..2])), "the stop token adds no text");
    }

    [Test]
    public void MaxTokens_GivesExactlyThatMany()
    {
        using GenerationSession s = _model.CreateSession();
        var items = new List<(int Index, FinishReason FinishReason)>();
        foreach (GeneratedToken t in s.GenerateAsync(Prompt, TestModels.Sampled(3, 7))) items.Add((t.Index, t.FinishReason));
        Assert.That(items.Select(i => i.Index), Is.EqualTo(Enumerable.Range(0, 7)));
        Assert.That(items.Select(i => i.FinishReason), Is.EqualTo(Enumerable.Repeat(FinishReason.None, 6).Append(FinishReason.MaxTokens)));
    }

    [TestCase(" fox jumps", " the lazy dog and the quick brown fox jumps over", " the lazy dog and the quick brown")]
    [TestCase("azy d", " the lazy dog and the quick brown fox jumps over", " the l")]
    [TestCase(" the", " the lazy dog sleeps", "")]
    [TestCase("dog and", " the lazy dog and the quick", " the lazy ")]
    public void StopStrings_MatchAcrossTokens_AndAreNotEmitted(string stop, string forcedText, string expected)
    {
        int[] forced = _model.Tokenizer.Encode(forcedText);
        Assume.That(forced.Length, Is.GreaterThan(3));
        using GenerationSession s = _model.CreateSession();
        var texts = new List<string>();
        FinishReason finish = FinishReason.None;
        var options = new GenerationOptions { LogitsProcessors = [new ForceTokens(forced)], StopStrings = ["never appears", stop], MaxTokens = forced.Length };
        foreach (GeneratedToken t in s.GenerateAsync(Prompt, options))
        {
            texts.Add(t.Text.ToString());
            finish = t.FinishReason;
        }
        Assert.That(string.Concat(texts), Is.EqualTo(expected));
        Assert.That(finish, Is.EqualTo(FinishReason.StopString));
    }

    [Test]
    public void StopString_PrefixThatDoesNotComplete_IsReleasedLater()
    {
        // "lazy cat" never completes: the held-back "lazy" comes out once the text diverges.
        int[] forced = _model.Tokenizer.Encode(" the lazy dog sleeps");
        using GenerationSession s = _model.CreateSession();
        var texts = Texts(s.GenerateAsync(Prompt, new GenerationOptions { LogitsProcessors = [new ForceTokens(forced)], StopStrings = ["lazy cat"], MaxTokens = forced.Length }));
        Assert.That(string.Concat(texts), Is.EqualTo(" the lazy dog sleeps"));
        Assert.That(texts.Any(t => t.Contains("lazy") && t.Contains("dog")), "'lazy' was held back and released with ' dog'");
    }

    [Test]
    public void SplitCharacters_AreHeldBack_NeverEmittedAsReplacementCharacters()
    {
        const string text = " llama 🦙 and 東京 ok";
        int[] forced = _model.Tokenizer.Encode(text);
        int[] emoji = _model.Tokenizer.Encode("🦙");
        Assume.That(emoji.Length, Is.GreaterThan(1), "the emoji is spelled with several byte tokens");
        using GenerationSession s = _model.CreateSession();
        var items = Texts(s.GenerateAsync(Prompt, new GenerationOptions { LogitsProcessors = [new ForceTokens(forced)], MaxTokens = forced.Length }));
        Assert.That(string.Concat(items), Is.EqualTo(text));
        Assert.That(items, Has.None.Contains("\uFFFD"));
        Assert.That(items, Has.Some.Empty, "some token completed no character");
    }

    // ------------------------------------------------------------------ cancellation

    [Test]
    public async Task CancelledBeforeThePrefill_LeavesTheSessionAsBefore()
    {
        using GenerationSession s = _model.CreateSession();
        s.Generate("First part.", TestModels.Sampled(1, 4));
        int[] before = s.Tokens.ToArray();
        int cached = s.CachedCount;
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await using GenerationStream stream = s.GenerateAsync(Prompt, TestModels.Sampled(2, 4), cts.Token);
        await using var e = stream.GetAsyncEnumerator();
        Assert.ThrowsAsync<OperationCanceledException>(async () => await e.MoveNextAsync());
        Assert.That(s.Tokens.ToArray(), Is.EqualTo(before));
        Assert.That(s.CachedCount, Is.EqualTo(cached));
        Assert.That(s.IsGenerating, Is.False);
    }

    [Test]
    public void CancelledDuringThePrefill_LeavesTheSessionAsBefore_AndUsable()
    {
        // A long prompt in batches of 4: cancel as soon as the first batch is in the cache (watched from another thread).
        string longPrompt = string.Join(" ", Enumerable.Range(0, 120).Select(i => $"word{i}"));
        var small = new GenerationSessionOptions { Threads = 1, ContextLength = 512, MaxBatchTokens = 4 };
        using GenerationSession s = _model.CreateSession(small);
        s.Generate("Start.", TestModels.Sampled(1, 3));
        int[] before = s.Tokens.ToArray();
        int cachedBefore = s.CachedCount;

        using var cts = new CancellationTokenSource();
        var watcher = new Thread(() =>
        {
            while (s.CachedCount <= before.Length && !cts.IsCancellationRequested) Thread.SpinWait(10);
            cts.Cancel();
        });
        watcher.Start();
        GenerationStream stream = s.GenerateAsync(longPrompt, TestModels.Sampled(5, 6), cts.Token);
        int items = 0;
        Assert.Throws<OperationCanceledException>(() => { foreach (GeneratedToken _ in stream) items++; });
        watcher.Join();
        Assert.That(items, Is.Zero, "cancelled inside the prefill");
        Assert.That(s.Tokens.ToArray(), Is.EqualTo(before), "the prompt was not appended");
        Assert.That(s.CachedCount, Is.EqualTo(cachedBefore), "the cache is as before");

        // Usable: the same request now gives what a fresh session gives.
        GenerationResult again = s.Generate(longPrompt, TestModels.Sampled(5, 6));
        using GenerationSession fresh = _model.CreateSession(small);
        fresh.Generate("Start.", TestModels.Sampled(1, 3));
        Assert.That(again.Tokens, Is.EqualTo(fresh.Generate(longPrompt, TestModels.Sampled(5, 6)).Tokens));
    }

    [Test]
    public async Task CancelledDuringDecode_KeepsTheYieldedTokens_AndTheSessionContinuesCorrectly()
    {
        using GenerationSession s = _model.CreateSession(TokenByToken);
        using var cts = new CancellationTokenSource();
        var got = new List<int>();
        Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (GeneratedToken t in s.GenerateAsync(Prompt, TestModels.Sampled(8, 20), cts.Token))
            {
                got.Add(t.TokenId);
                if (got.Count == 3) cts.Cancel();
            }
        });
        Assert.That(got, Has.Count.EqualTo(3));
        int[] prompt = _model.Tokenizer.Encode(Prompt, addBos: true);
        Assert.That(s.Tokens.ToArray(), Is.EqualTo(prompt.Concat(got).ToArray()), "prompt + the three yielded tokens");
        Assert.That(s.IsGenerating, Is.False);

        // Continuing equals a fresh session given the same context.
        GenerationResult next = s.ContinueAsync(TestModels.Sampled(9, 6)).ToResult();
        using GenerationSession fresh = _model.CreateSession(TokenByToken);
        fresh.Append([.. prompt, .. got]);
        Assert.That(next.Tokens, Is.EqualTo(fresh.ContinueAsync(TestModels.Sampled(9, 6)).ToResult().Tokens));
        await Task.CompletedTask;
    }

    [Test]
    public void DisposingTheStreamEarly_EndsTheGeneration_AndFreesTheSession()
    {
        using GenerationSession s = _model.CreateSession();
        GenerationStream stream = s.GenerateAsync(Prompt, TestModels.Sampled(1, 50));
        foreach (GeneratedToken t in stream)
            if (t.Index == 4) break; // foreach disposes the stream
        Assert.That(s.IsGenerating, Is.False);
        Assert.That(stream.Generated, Is.EqualTo(5));
        Assert.That(stream.FinishReason, Is.EqualTo(FinishReason.None));
        Assert.DoesNotThrow(() => s.Generate(" more", TestModels.Sampled(2, 2)));
    }

    // ------------------------------------------------------------------ multi-turn, rewind, reuse

    [Test]
    public void FollowUp_EvaluatesOnlyItsNewTokens_AndThePendingOne()
    {
        using GenerationSession s = _model.CreateSession(TokenByToken);
        GenerationResult first = s.Generate(Prompt, TestModels.Sampled(1, 8));
        long evaluated = s.TokensEvaluated;
        int[] follow = _model.Tokenizer.Encode(" And then?", parseSpecial: true);
        GenerationResult second = s.Generate(" And then?", TestModels.Sampled(2, 5));
        Assert.That(second.PromptTokens, Is.EqualTo(follow.Length));
        Assert.That(second.EvaluatedTokens, Is.EqualTo(follow.Length + 1), "the new prompt and the last token of the first reply");
        Assert.That(second.CachedTokens, Is.EqualTo(first.EvaluatedTokens + 7));
        Assert.That(s.TokensEvaluated - evaluated, Is.EqualTo(follow.Length + 1 + 4), "prefill + 4 decode steps");

        // Same as one session given everything at once.
        using GenerationSession fresh = _model.CreateSession(TokenByToken);
        fresh.Append(s.Tokens[..^second.Tokens.Count]);
        Assert.That(fresh.ContinueAsync(TestModels.Sampled(2, 5)).ToResult().Tokens, Is.EqualTo(second.Tokens));
    }

    [Test]
    public void Truncate_RewindsForRegeneration()
    {
        using GenerationSession s = _model.CreateSession(TokenByToken);
        GenerationResult a = s.Generate(Prompt, TestModels.Sampled(4, 6));
        s.Truncate(s.Count - a.Tokens.Count);
        GenerationResult b = s.ContinueAsync(TestModels.Sampled(4, 6)).ToResult();
        Assert.That(b.Tokens, Is.EqualTo(a.Tokens), "same seed from the same point");
        Assert.That(b.EvaluatedTokens, Is.EqualTo(1), "only the last prompt token is re-evaluated for its logits");
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Truncate(s.Count + 1));
    }

    [Test]
    public void SetContext_KeepsTheCommonPrefix()
    {
        using GenerationSession s = _model.CreateSession(TokenByToken);
        int[] a = _model.Tokenizer.Encode("One two three four five six", addBos: true);
        int[] b = _model.Tokenizer.Encode("One two three four seven", addBos: true);
        int common = a.AsSpan().CommonPrefixLength(b);
        Assume.That(common, Is.GreaterThan(2).And.LessThan(b.Length));
        s.Generate(a, TestModels.Sampled(1, 2));
        Assert.That(s.SetContext(b), Is.EqualTo(common));
        Assert.That(s.Tokens.ToArray(), Is.EqualTo(b));
        GenerationResult r = s.ContinueAsync(TestModels.Sampled(3, 3)).ToResult();
        Assert.That(r.EvaluatedTokens, Is.EqualTo(b.Length - common));
        using GenerationSession fresh = _model.CreateSession(TokenByToken);
        Assert.That(fresh.Generate(b, TestModels.Sampled(3, 3)).Tokens, Is.EqualTo(r.Tokens));
    }

    // ------------------------------------------------------------------ misuse

    [Test]
    public void OneGenerationAtATime_AndStreamsAreSingleUse()
    {
        using GenerationSession s = _model.CreateSession();
        using GenerationStream first = s.GenerateAsync(Prompt, TestModels.Sampled(1, 10));
        using var e = first.GetEnumerator();
        Assert.That(e.MoveNext());
        GenerationStream second = s.ContinueAsync(TestModels.Sampled(1, 3));
        var busy = Assert.Throws<InvalidOperationException>(() => second.ToResult())!;
        Assert.That(busy.Message, Does.Contain("already generating"));
        Assert.Throws<InvalidOperationException>(() => s.Append([1, 2]));
        Assert.Throws<InvalidOperationException>(() => s.Truncate(0));
        Assert.Throws<InvalidOperationException>(() => first.GetEnumerator(), "a stream is enumerated once");
    }

    [Test]
    public void DisposingTheSessionMidStream_MakesTheNextStepAnObjectDisposedError()
    {
        GenerationSession s = _model.CreateSession();
        using GenerationStream stream = s.GenerateAsync(Prompt, TestModels.Sampled(1, 10));
        using var e = stream.GetEnumerator();
        Assert.That(e.MoveNext());
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => e.MoveNext());
    }

    [Test]
    public void EmptyContext_IsAClearError()
    {
        using GenerationSession s = _model.CreateSession();
        var e = Assert.Throws<InvalidOperationException>(() => s.ContinueAsync().ToResult())!;
        Assert.That(e.Message, Does.Contain("context is empty"));
        Assert.That(s.IsGenerating, Is.False);
    }

    [Test]
    public void StopTokenOutsideTheVocabulary_IsAnInvalidOption()
    {
        using GenerationSession s = _model.CreateSession();
        var e = Assert.Throws<InvalidOptionException>(() => s.GenerateAsync(Prompt, new GenerationOptions { StopTokens = [5, 1 << 20] }))!;
        Assert.That(e.Option, Is.EqualTo("GenerationOptions.StopTokens[1]"));
    }

    [Test]
    public void Append_RejectsIdsOutsideTheVocabulary()
    {
        using GenerationSession s = _model.CreateSession();
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Append([1, _model.Config.VocabSize]));
        Assert.That(s.Count, Is.Zero);
    }
}
