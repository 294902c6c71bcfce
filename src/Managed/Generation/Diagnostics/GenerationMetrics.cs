using System.Diagnostics.Metrics;

namespace NativeInfer.Generation.Diagnostics;

/// <summary>
/// The instruments of one <see cref="LanguageModel"/>, on a meter named "NativeInfer" tagged with the
/// model's name. Recording allocates nothing (no per-measurement tags), so it runs on the per-token path.
/// </summary>
public sealed class GenerationMetrics : IDisposable
{
    public const string MeterName = "NativeInfer";

    /// <summary>Counter, {token}: tokens sampled (a stop token included).</summary>
    public const string TokensGenerated = "nativeinfer.tokens.generated";

    /// <summary>Counter, {token}: prompt tokens evaluated by the model (reused cache entries are not counted; re-evaluation after truncation is).</summary>
    public const string PromptTokens = "nativeinfer.tokens.prompt";

    /// <summary>Histogram, s: from the first MoveNext of a generation to its first token (prefill and one sample).</summary>
    public const string TimeToFirstToken = "nativeinfer.time_to_first_token";

    /// <summary>Histogram, s: the time of each later token (one decode step and one sample).</summary>
    public const string TimePerOutputToken = "nativeinfer.time_per_output_token";

    /// <summary>Histogram, {token}/s: per generation, tokens after the first ÷ time from the first token to the last.</summary>
    public const string TokensPerSecond = "nativeinfer.tokens_per_second";

    /// <summary>UpDownCounter, {session}: open sessions.</summary>
    public const string ActiveSessions = "nativeinfer.sessions.active";

    private readonly bool _ownsMeter;

    internal GenerationMetrics(IMeterFactory? factory, string modelName)
    {
        var options = new MeterOptions(MeterName) { Tags = [new("nativeinfer.model", modelName)] };
        Meter = factory?.Create(options) ?? new Meter(options);
        _ownsMeter = factory is null;
        Generated = Meter.CreateCounter<long>(TokensGenerated, "{token}", "Tokens sampled");
        Prompt = Meter.CreateCounter<long>(PromptTokens, "{token}", "Prompt tokens evaluated");
        FirstToken = Meter.CreateHistogram<double>(TimeToFirstToken, "s", "Time to first token");
        PerToken = Meter.CreateHistogram<double>(TimePerOutputToken, "s", "Time per output token after the first");
        Rate = Meter.CreateHistogram<double>(TokensPerSecond, "{token}/s", "Decode speed per generation");
        Sessions = Meter.CreateUpDownCounter<long>(ActiveSessions, "{session}", "Open sessions");
    }

    /// <summary>The meter the instruments belong to (a listener can select on it).</summary>
    public Meter Meter { get; }

    internal Counter<long> Generated { get; }
    internal Counter<long> Prompt { get; }
    internal Histogram<double> FirstToken { get; }
    internal Histogram<double> PerToken { get; }
    internal Histogram<double> Rate { get; }
    internal UpDownCounter<long> Sessions { get; }

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
