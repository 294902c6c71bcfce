using NativeInfer.Generation;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Generation;

/// <summary>The three overflow policies on a 32-token context: a clear error, a normal end, or dropping the oldest tokens — never a crash.</summary>
[NonParallelizable]
public class ContextOverflowTests
{
    private const int Capacity = 32;
    private LanguageModel _model = null!;
    private int[] _prompt = null!;

    [OneTimeSetUp]
    public void Load()
    {
        _model = TestModels.Load(TestModels.DeepseekQ);
        _prompt = _model.Tokenizer.Encode("one two three four five six seven eight nine ten eleven twelve thirteen", addBos: true);
        Assume.That(_prompt.Length, Is.InRange(10, 24));
    }

    [OneTimeTearDown]
    public void Unload() => _model?.Dispose();

    private GenerationSession Session(ContextOverflowPolicy policy, int keep = 0) =>
        _model.CreateSession(new GenerationSessionOptions { Threads = 1, ContextLength = Capacity, OverflowPolicy = policy, KeepTokens = keep });

    [Test]
    public void Throw_YieldsWhatFits_ThenAContextLengthError_AndTheSessionStaysUsable()
    {
        using GenerationSession s = Session(ContextOverflowPolicy.Throw);
        int items = 0;
        var e = Assert.Throws<ContextLengthExceededException>(() =>
        {
            foreach (GeneratedToken _ in s.GenerateAsync(_prompt, TestModels.Sampled(1, 100))) items++;
        })!;
        // Tokens evaluated: the prompt, then one per step; the token sampled when the cache is full cannot be evaluated.
        Assert.That(items, Is.EqualTo(Capacity - _prompt.Length + 1));
        Assert.That(e.Capacity, Is.EqualTo(Capacity));
        Assert.That(s.Count, Is.EqualTo(Capacity + 1));
        Assert.That(s.CachedCount, Is.EqualTo(Capacity));
        Assert.That(s.IsGenerating, Is.False);
        s.Truncate(_prompt.Length);
        Assert.That(s.ContinueAsync(TestModels.Sampled(2, 4)).ToResult().FinishReason, Is.EqualTo(FinishReason.MaxTokens));
    }

    [Test]
    public void StopGeneration_EndsNormallyWithContextFull()
    {
        using GenerationSession s = Session(ContextOverflowPolicy.StopGeneration);
        GenerationResult r = s.Generate(_prompt, TestModels.Sampled(1, 100));
        Assert.That(r.FinishReason, Is.EqualTo(FinishReason.ContextFull));
        Assert.That(r.Tokens, Has.Count.EqualTo(Capacity - _prompt.Length + 1));
    }

    [Test]
    public void PromptThatCannotFit_ThrowsBeforeAnything_AndLeavesTheSessionAsBefore()
    {
        foreach (ContextOverflowPolicy policy in new[] { ContextOverflowPolicy.Throw, ContextOverflowPolicy.StopGeneration })
        {
            using GenerationSession s = Session(policy);
            s.Generate(_prompt, TestModels.Sampled(1, 2));
            int[] before = s.Tokens.ToArray();
            int[] tooLong = [.. _prompt, .. _prompt, .. _prompt];
            Assert.Throws<ContextLengthExceededException>(() => s.Generate(tooLong, TestModels.Sampled(1, 2)), policy.ToString());
            Assert.That(s.Tokens.ToArray(), Is.EqualTo(before), policy.ToString());
        }
    }

    [Test]
    public void TruncateOldest_KeepsThePrefix_DropsTheOldest_AndGoesOn()
    {
        const int keep = 4;
        using GenerationSession s = Session(ContextOverflowPolicy.TruncateOldest, keep);
        var generated = new List<int>();
        long evaluatedBefore = s.TokensEvaluated;
        foreach (GeneratedToken t in s.GenerateAsync(_prompt, TestModels.Sampled(3, 60))) generated.Add(t.TokenId);

        Assert.That(generated, Has.Count.EqualTo(60), "generation ran past the capacity");
        Assert.That(s.Count, Is.LessThanOrEqualTo(Capacity + 1));
        Assert.That(s.Tokens[..keep].ToArray(), Is.EqualTo(_prompt[..keep]), "the protected prefix survives");
        int tail = s.Count - keep;
        Assert.That(s.Tokens[keep..].ToArray(), Is.EqualTo(generated.Skip(60 - tail).ToArray()), "after the prefix: the latest tokens, in order");
        Assert.That(s.TokensEvaluated - evaluatedBefore, Is.GreaterThan(_prompt.Length + 59), "dropped tokens force re-evaluation");
    }

    [Test]
    public void TruncateOldest_ALongPromptKeepsItsEnd()
    {
        using GenerationSession s = Session(ContextOverflowPolicy.TruncateOldest, keep: 2);
        int[] longPrompt = _model.Tokenizer.Encode(string.Join(" ", Enumerable.Range(0, 40).Select(i => $"w{i}")), addBos: true);
        Assume.That(longPrompt.Length, Is.GreaterThan(Capacity));
        GenerationResult r = s.Generate(longPrompt, TestModels.Sampled(1, 3));
        Assert.That(r.Tokens, Has.Count.EqualTo(3));
        Assert.That(s.Tokens[..2].ToArray(), Is.EqualTo(longPrompt[..2]));
        Assert.That(s.Tokens.ToArray().AsSpan(2, s.Count - 5).ToArray(), Is.EqualTo(longPrompt[^(s.Count - 5)..]), "the prompt's last tokens");
    }

    [Test]
    public void TruncateOldest_WithTheLargestKeep_KeepsThePrefixAndTheNewestToken()
    {
        using GenerationSession s = Session(ContextOverflowPolicy.TruncateOldest, keep: Capacity - 1);
        int[] tooLong = [.. _prompt, .. _prompt, .. _prompt];
        GenerationResult r = s.Generate(tooLong, TestModels.Sampled(1, 3));
        Assert.That(r.Tokens, Has.Count.EqualTo(3));
        Assert.That(s.Tokens[..(Capacity - 1)].ToArray(), Is.EqualTo(tooLong[..(Capacity - 1)]));
        Assert.That(s.Count, Is.LessThanOrEqualTo(Capacity + 1), "at most a full cache and the newest token, pending");
        Assert.That(s.Tokens[(Capacity - 1)..].ToArray(), Is.EqualTo(r.Tokens.Skip(3 - (s.Count - Capacity + 1)).ToArray()), "after the prefix only the newest tokens");
    }
}
