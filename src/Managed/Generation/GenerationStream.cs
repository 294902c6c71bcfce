using System.Collections;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using NativeInfer.Generation.Diagnostics;

namespace NativeInfer.Generation;

/// <summary>
/// The tokens of one generation, one <see cref="GeneratedToken"/> per sampled token: an
/// <see cref="IAsyncEnumerable{T}"/>. Enumerate it once, with <c>await foreach</c> or with <c>foreach</c> (which blocks).
/// </summary>
/// <remarks>
/// <para><b>Synchronous steps.</b> Each MoveNextAsync runs one step on the calling thread — the first the
/// prompt's prefill, every other one decode step — and returns a completed ValueTask. A step does not
/// allocate once the session is warm (the stream object is the one allocation per generation).</para>
/// <para><b>Item lifetime.</b> An item's <see cref="GeneratedToken.Text"/> points into the stream's buffer and is
/// valid until the next MoveNext.</para>
/// <para><b>Cancellation</b> (the token given when the stream was created, or to GetAsyncEnumerator) is checked
/// before each step and between layers. Cancelled during the prefill, the session is as it was before the
/// call (the prompt is not appended). Cancelled later, the tokens already yielded stay in the context and the
/// session remains usable. Either way MoveNext throws <see cref="OperationCanceledException"/>.</para>
/// <para><b>Ending.</b> The last item has a <see cref="GeneratedToken.FinishReason"/>; the stream then ends. The
/// sampled stop token is part of the context (not yet evaluated) like every generated token.
/// Disposing the stream early ends the generation where it is.</para>
/// </remarks>
public sealed class GenerationStream : IAsyncEnumerable<GeneratedToken>, IAsyncEnumerator<GeneratedToken>, IEnumerator<GeneratedToken>
{
    private enum State { Created, Running, Finishing, Done }

    private readonly GenerationSession _session;
    private readonly GenerationOptions _options;
    private readonly string? _promptText;
    private readonly ReadOnlyMemory<int> _promptTokens;
    private readonly GenerationMetrics _metrics;
    private readonly ILogger _logger;
    private CancellationToken _cancellation;
    private CancellationTokenSource? _linked;
    private State _state;
    private bool _enumeratorTaken;
    private GeneratedToken _current;
    private GenerationRun _run;   // the session steps it; the stream only enumerates
    private long _startTicks, _firstTicks, _lastTicks;

    internal GenerationStream(GenerationSession session, GenerationOptions options, string? promptText, ReadOnlyMemory<int> promptTokens,
                              CancellationToken cancellation, int contextPromptTokens, IGenerationObserver? observer)
    {
        ContextPromptTokens = contextPromptTokens;
        Observer = observer;
        _session = session;
        _options = options;
        _promptText = promptText;
        _promptTokens = promptTokens;
        _cancellation = cancellation;
        _metrics = session.LanguageModel.Metrics;
        _logger = session.Logger;
    }

    /// <summary>Chat: the rendered prompt's tokens, placed in the context by SetContext before the stream was created; counted in <see cref="PromptTokens"/>.</summary>
    private int ContextPromptTokens { get; }

    /// <summary>Told about every item and about the end (chat sessions build their history from it).</summary>
    private IGenerationObserver? Observer { get; }

    public GenerationSession Session => _session;

    public GenerationOptions Options => _options;

    /// <summary>Tokens of this call's prompt: what it appended (GenerationSession) or the whole rendered conversation (chat); known once enumeration started.</summary>
    public int PromptTokens => _run.PromptTokens;

    /// <summary>Context tokens already in the KV cache when the generation started.</summary>
    public int CachedTokens => _run.CachedTokens;

    /// <summary>Tokens the first step evaluated.</summary>
    public int EvaluatedTokens => _run.EvaluatedTokens;

    /// <summary>Tokens sampled so far.</summary>
    public int Generated => _run.Generated;

    /// <summary>Why the generation ended (None while it runs, or when it was cancelled, failed or disposed early).</summary>
    public FinishReason FinishReason { get; private set; }

    /// <summary>Seed of the draw (chosen at the first step when the options give none).</summary>
    public ulong Seed => _run.Seed;

    public TimeSpan TimeToFirstToken => _firstTicks == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTicks, _firstTicks);

    public TimeSpan Elapsed => _startTicks == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTicks, _lastTicks == 0 ? Stopwatch.GetTimestamp() : _lastTicks);

    /// <summary>Tokens after the first ÷ time from the first to the last (0 with fewer than two).</summary>
    public double TokensPerSecond =>
        Generated < 2 ? 0 : (Generated - 1) / Stopwatch.GetElapsedTime(_firstTicks, _lastTicks).TotalSeconds;

    public GeneratedToken Current => _current;

    object IEnumerator.Current => _current;

    // ------------------------------------------------------------------ enumeration

    public GenerationStream GetAsyncEnumerator(CancellationToken cancellation = default)
    {
        TakeEnumerator();
        if (cancellation.CanBeCanceled && cancellation != _cancellation)
        {
            if (_cancellation.CanBeCanceled)
            {
                _linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellation, cancellation);
                _cancellation = _linked.Token;
            }
            else _cancellation = cancellation;
        }
        return this;
    }

    IAsyncEnumerator<GeneratedToken> IAsyncEnumerable<GeneratedToken>.GetAsyncEnumerator(CancellationToken cancellation) => GetAsyncEnumerator(cancellation);

    /// <summary>
    /// For a blocking <c>foreach</c>. (The stream deliberately does not implement IEnumerable: with both
    /// interfaces, LINQ calls on it would be ambiguous between System.Linq and System.Linq.AsyncEnumerable.)
    /// </summary>
    public GenerationStream GetEnumerator()
    {
        TakeEnumerator();
        return this;
    }

    private void TakeEnumerator()
    {
        if (_enumeratorTaken) throw new InvalidOperationException("a GenerationStream can be enumerated once");
        _enumeratorTaken = true;
    }

    /// <summary>Runs one step synchronously; the ValueTask is always completed (faulted on error or cancellation).</summary>
    public ValueTask<bool> MoveNextAsync()
    {
        try
        {
            return new ValueTask<bool>(MoveNext());
        }
        catch (Exception e)
        {
            return ValueTask.FromException<bool>(e);
        }
    }

    public bool MoveNext()
    {
        switch (_state)
        {
            case State.Done:
                return false;
            case State.Finishing:
                Complete(completed: true, error: null);
                return false;
            case State.Created:
                _enumeratorTaken = true;
                Begin();
                break;
        }
        try
        {
            Step();
            return true;
        }
        catch (Exception e)
        {
            Complete(completed: false, error: e);
            throw;
        }
    }

    /// <summary>Drains the stream and collects the result.</summary>
    public GenerationResult ToResult()
    {
        var text = new StringBuilder();
        var tokens = new List<int>();
        foreach (GeneratedToken t in this)
        {
            text.Append(t.Text.Span);
            tokens.Add(t.TokenId);
        }
        return new GenerationResult
        {
            Text = text.ToString(), Tokens = tokens, FinishReason = FinishReason, PromptTokens = PromptTokens, CachedTokens = CachedTokens,
            EvaluatedTokens = EvaluatedTokens, Seed = Seed, TimeToFirstToken = TimeToFirstToken, Elapsed = Elapsed, TokensPerSecond = TokensPerSecond,
        };
    }

    void IEnumerator.Reset() => throw new NotSupportedException("a GenerationStream cannot be restarted; start a new generation");

    public void Dispose()
    {
        if (_state is State.Running or State.Finishing) Complete(completed: _state == State.Finishing, error: null);
        else if (_state == State.Created)
        {
            _state = State.Done;
            Observer?.OnFinished(this, completed: false);
        }
        _linked?.Dispose();
        _linked = null;
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // ------------------------------------------------------------------ the steps

    private void Begin()
    {
        _session.Begin(this);
        _state = State.Running;
        _startTicks = Stopwatch.GetTimestamp();
        try
        {
            _cancellation.ThrowIfCancellationRequested();
            _session.StartGeneration(ref _run, _options, _promptText, _promptTokens, ContextPromptTokens);
        }
        catch (Exception e)
        {
            Complete(completed: false, error: e);
            throw;
        }
    }

    private void Step()
    {
        long stepStart = Stopwatch.GetTimestamp();
        _current = _session.Step(ref _run, _cancellation, out int fed);
        Record(stepStart, fed, _current.Index);
        if (_logger.IsEnabled(LogLevel.Trace)) GenerationLog.TokenGenerated(_logger, _session.Id, _current.Index, _current.TokenId);
        Observer?.OnToken(in _current);
        if (_current.FinishReason != FinishReason.None)
        {
            FinishReason = _current.FinishReason;
            _state = State.Finishing;
        }
    }

    private void Record(long stepStart, int fed, int index)
    {
        long now = Stopwatch.GetTimestamp();
        _lastTicks = now;
        _metrics.Generated.Add(1);
        if (index == 0)
        {
            _firstTicks = now;
            _metrics.Prompt.Add(fed);
            _metrics.FirstToken.Record(Stopwatch.GetElapsedTime(_startTicks, now).TotalSeconds);
        }
        else
        {
            if (fed > 1) _metrics.Prompt.Add(fed - 1); // re-evaluated after TruncateOldest dropped tokens
            _metrics.PerToken.Record(Stopwatch.GetElapsedTime(stepStart, now).TotalSeconds);
        }
    }

    private void Complete(bool completed, Exception? error)
    {
        if (_state == State.Done) return;
        _state = State.Done;
        if (_lastTicks == 0) _lastTicks = Stopwatch.GetTimestamp();
        _session.End(this);
        if (completed)
        {
            if (Generated >= 2) _metrics.Rate.Record(TokensPerSecond);
            GenerationLog.GenerationFinished(_logger, _session.Id, Generated, FinishReason, PromptTokens, EvaluatedTokens, CachedTokens,
                                             TimeToFirstToken.TotalMilliseconds, TokensPerSecond);
        }
        else if (error is OperationCanceledException or null) GenerationLog.GenerationCancelled(_logger, _session.Id, Generated);
        else GenerationLog.GenerationFailed(_logger, error, _session.Id, Generated);
        Observer?.OnFinished(this, completed);
    }
}
