using NativeInfer.Generation;
using NativeInfer.Generation.Sampling;

namespace NativeInfer.Tests.Generation;

/// <summary>The streaming API allocates nothing per decode step once warm (the stream object itself is the one allocation per generation).</summary>
[NonParallelizable]
public class StreamingAllocationTests
{
    [TestCase(TestModels.DeepseekQ)]
    [TestCase(TestModels.DeepseekF32)]
    public void DecodeSteps_ThroughIAsyncEnumerable_AllocateNothing(string name)
    {
        using LanguageModel model = TestModels.Load(name, TestModels.Options(contextLength: 512));
        using GenerationSession session = model.CreateSession();
        // Every step of the pipeline on: processors, penalties, top-k/top-p/min-p, temperature, stop strings, EOS checks.
        var options = new GenerationOptions
        {
            Sampling = new SamplingOptions { Seed = 7, RepetitionPenalty = 1.1f, FrequencyPenalty = 0.1f, PresencePenalty = 0.1f, PenaltyLastN = 64 },
            MaxTokens = 400, StopStrings = ["\u0001never\u0002", "\u0003"], StopAtEndOfGeneration = false, LogitsProcessors = [new NoOpProcessor()],
        };
        using var cts = new CancellationTokenSource();
        IAsyncEnumerable<GeneratedToken> stream = session.GenerateAsync("Allocation test: the quick brown fox", options, cts.Token);
        IAsyncEnumerator<GeneratedToken> e = stream.GetAsyncEnumerator(cts.Token);
        const int warm = 30, measured = 300;
        long chars = 0;
        for (int i = 0; i < warm; i++) Step(e, ref chars);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool allCompletedSynchronously = true;
        for (int i = 0; i < measured; i++)
        {
            ValueTask<bool> next = e.MoveNextAsync();
            allCompletedSynchronously &= next.IsCompletedSuccessfully && next.Result;
            chars += e.Current.Text.Length;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allCompletedSynchronously, "every MoveNextAsync completed synchronously with an item");
        Assert.That(allocated, Is.Zero, $"{allocated} bytes over {measured} decode steps");
        Assert.That(chars, Is.GreaterThan(0), "text was produced");
        e.DisposeAsync().AsTask().Wait();
    }

    private static void Step(IAsyncEnumerator<GeneratedToken> e, ref long chars)
    {
        ValueTask<bool> next = e.MoveNextAsync();
        Assert.That(next.IsCompletedSuccessfully && next.Result);
        chars += e.Current.Text.Length;
    }

    private sealed class NoOpProcessor : ILogitsProcessor
    {
        public void Process(Span<float> logits, in LogitsContext context) => logits[0] += 0f;
    }
}
