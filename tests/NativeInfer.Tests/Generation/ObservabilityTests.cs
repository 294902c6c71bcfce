using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using NativeInfer.Generation;
using NativeInfer.Generation.Diagnostics;

namespace NativeInfer.Tests.Generation;

/// <summary>Metrics through a MeterListener and logs through a capturing ILoggerProvider.</summary>
[NonParallelizable]
public class ObservabilityTests
{
    [Test]
    public void Metrics_CountTokens_TimeTheFirstToken_EveryLaterToken_AndTheRate()
    {
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ);
        var measurements = new List<(string Name, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == model.Metrics.Meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (measurements) measurements.Add((i.Name, v)); });
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (measurements) measurements.Add((i.Name, v)); });
        listener.Start();

        GenerationResult result;
        int[] prompt = model.Tokenizer.Encode("Metrics please", addBos: true);
        using (GenerationSession session = model.CreateSession())
            result = session.Generate(prompt, TestModels.Sampled(1, 10));

        double Sum(string name) => measurements.Where(m => m.Name == name).Sum(m => m.Value);
        double[] Values(string name) => measurements.Where(m => m.Name == name).Select(m => m.Value).ToArray();
        Assert.That(model.Metrics.Meter.Name, Is.EqualTo("NativeInfer"));
        Assert.That(Sum(GenerationMetrics.TokensGenerated), Is.EqualTo(10));
        Assert.That(Sum(GenerationMetrics.PromptTokens), Is.EqualTo(prompt.Length));
        Assert.That(Values(GenerationMetrics.TimeToFirstToken), Has.Length.EqualTo(1).And.All.GreaterThan(0));
        Assert.That(Values(GenerationMetrics.TimeToFirstToken)[0], Is.EqualTo(result.TimeToFirstToken.TotalSeconds).Within(1e-9));
        Assert.That(Values(GenerationMetrics.TimePerOutputToken), Has.Length.EqualTo(9).And.All.GreaterThan(0));
        double[] rate = Values(GenerationMetrics.TokensPerSecond);
        Assert.That(rate, Has.Length.EqualTo(1));
        Assert.That(rate[0], Is.EqualTo(result.TokensPerSecond).Within(1e-9));
        // 9 tokens after the first over the decode time: the rate is consistent with the per-token latencies.
        Assert.That(rate[0], Is.EqualTo(9 / Values(GenerationMetrics.TimePerOutputToken).Sum()).Within(rate[0] * 0.2));
        Assert.That(Values(GenerationMetrics.ActiveSessions), Is.EqualTo(new[] { 1.0, -1.0 }));
    }

    [Test]
    public void Logs_LoadAndSummaryAtInformation_SessionsAtDebug_TokensOnlyAtTrace()
    {
        using var provider = new CapturingLoggerFactory(LogLevel.Trace);
        ILoggerFactory factory = provider;
        using (LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { LoggerFactory = factory }))
        using (GenerationSession session = model.CreateSession())
            session.Generate("Log this", TestModels.Sampled(1, 6));

        var entries = provider.Entries;
        Assert.That(entries.Where(e => e.Level == LogLevel.Information).Select(e => e.Message),
                    Has.Exactly(1).StartWith("Loaded ").And.Exactly(1).Contains("6 tokens generated (MaxTokens)"));
        Assert.That(entries.Count(e => e.Level == LogLevel.Information), Is.EqualTo(2), "per token nothing above Trace");
        Assert.That(entries.Where(e => e.Level == LogLevel.Debug).Select(e => e.Message), Has.Some.Contains("created").And.Some.Contains("closed"));
        Assert.That(entries.Count(e => e.Level == LogLevel.Trace), Is.EqualTo(6), "one Trace line per token");
        Assert.That(entries, Has.None.Matches<LogEntry>(e => e.Level >= LogLevel.Warning));
    }

    [Test]
    public void Logs_CancellationIsReported()
    {
        using var provider = new CapturingLoggerFactory(LogLevel.Information);
        ILoggerFactory factory = provider;
        using LanguageModel model = TestModels.Load(TestModels.DeepseekQ, TestModels.Options() with { LoggerFactory = factory });
        using GenerationSession session = model.CreateSession();
        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (GeneratedToken t in session.GenerateAsync("x", TestModels.Sampled(1, 20), cts.Token))
                if (t.Index == 1) cts.Cancel();
        });
        Assert.That(provider.Entries.Select(e => e.Message), Has.Some.Contains("cancelled after 2 tokens"));
    }

    internal sealed record LogEntry(LogLevel Level, string Message);

    /// <summary>A logger factory that keeps every entry at or above <paramref name="minimum"/> (no Microsoft.Extensions.Logging package needed).</summary>
    private sealed class CapturingLoggerFactory(LogLevel minimum) : ILoggerFactory
    {
        private readonly List<LogEntry> _entries = [];

        public List<LogEntry> Entries
        {
            get { lock (_entries) return [.. _entries]; }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerFactory owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                lock (owner._entries) owner._entries.Add(new LogEntry(logLevel, formatter(state, exception)));
            }
        }

        private readonly LogLevel _minimum = minimum;
    }
}
