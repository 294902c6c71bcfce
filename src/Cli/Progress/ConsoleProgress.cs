using System.Globalization;
using NativeInfer.Diagnostics;

namespace NativeInfer.Cli.Progress;

/// <summary>
/// Shows the progress of long operations on stderr, never stdout (stdout carries results only).
/// On a terminal it redraws one status line in place (stage, percentage, done/total, rate, elapsed,
/// the item at hand) at most every <see cref="RedrawInterval"/>, and erases it when the operation ends;
/// when stderr is redirected it stays quiet except for a plain line every <see cref="LogInterval"/>, so
/// logs of long runs show that they advance. Thread-safe. For work that reports nothing (mapping a
/// model), <see cref="Activity"/> keeps the elapsed time moving.
/// </summary>
public sealed class ConsoleProgress : IProgress<OperationProgress>, IDisposable
{
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly TextWriter _writer;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private long _startedAt, _lastShownAt;
    private string? _stage;
    private int _drawnWidth;
    private bool _shownOnce;

    /// <param name="writer">Where the status goes (stderr in the CLI).</param>
    /// <param name="interactive">True when the writer is a terminal: redraw in place; false: occasional plain lines.</param>
    /// <param name="time">Clock (tests pass their own).</param>
    public ConsoleProgress(TextWriter writer, bool interactive, TimeProvider? time = null)
    {
        _writer = writer;
        Interactive = interactive;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Progress on the process's stderr, drawn only when stderr is a terminal.</summary>
    public static ConsoleProgress ForStandardError() => new(Console.Error, interactive: !Console.IsErrorRedirected);

    public bool Interactive { get; }

    public void Report(OperationProgress value)
    {
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            if (_stage != value.Stage)
            {
                _stage = value.Stage;
                _startedAt = _lastShownAt = now;
                _shownOnce = false;
            }
            bool finished = value.Total > 0 && value.Done >= value.Total;
            TimeSpan sinceShown = _time.GetElapsedTime(_lastShownAt, now);
            if (Interactive)
            {
                if (_shownOnce && !finished && sinceShown < RedrawInterval) return;
                Draw(Format(value, _time.GetElapsedTime(_startedAt, now)));
            }
            else
            {
                if (sinceShown < LogInterval) return;
                _writer.WriteLine(Format(value, _time.GetElapsedTime(_startedAt, now)));
            }
            _lastShownAt = now;
            _shownOnce = true;
        }
    }

    /// <summary>
    /// Shows <paramref name="stage"/> with its elapsed time while work that reports nothing runs (e.g. loading
    /// a model); dispose the result when the work is done. Quiet when stderr is not a terminal.
    /// </summary>
    public IDisposable Activity(string stage, string? detail = null)
    {
        Report(new OperationProgress(stage, 0, 0, ProgressUnit.Items, detail));
        if (!Interactive) return new Ticker(null, this);
        var timer = new Timer(_ => Report(new OperationProgress(stage, 0, 0, ProgressUnit.Items, detail)), null, RedrawInterval, RedrawInterval);
        return new Ticker(timer, this);
    }

    /// <summary>Ends the current operation: erases the status line on a terminal.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (Interactive && _drawnWidth > 0) _writer.Write("\r" + new string(' ', _drawnWidth) + "\r");
            _writer.Flush();
            _drawnWidth = 0;
            _stage = null;
        }
    }

    public void Dispose() => Complete();

    /// <summary>"write: 45% 2.8/6.3 MB 14.2 MB/s 0.2 s blk.1.ffn_up_exps.weight" (parts without data left out).</summary>
    internal static string Format(OperationProgress p, TimeSpan elapsed)
    {
        var parts = new List<string> { p.Stage + ":" };
        double seconds = elapsed.TotalSeconds;
        bool rate = p.Done > 0 && seconds >= 0.1; // a rate over less time says nothing
        if (p.Fraction is double f) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{f * 100,3:0}%"));
        if (p.Unit == ProgressUnit.Bytes)
        {
            if (p.Done > 0 || p.Total > 0) parts.Add(p.Total > 0 ? $"{Megabytes(p.Done)}/{Megabytes(p.Total)} MB" : $"{Megabytes(p.Done)} MB");
            if (rate) parts.Add($"{Megabytes((long)(p.Done / seconds))} MB/s");
        }
        else
        {
            if (p.Done > 0 || p.Total > 0) parts.Add(p.Total > 0 ? $"{p.Done}/{p.Total}" : $"{p.Done}");
            if (rate) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Done / seconds:0.#}/s"));
        }
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.0} s"));
        if (p.Detail is not null) parts.Add(p.Detail);
        return string.Join(' ', parts);
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture);

    private void Draw(string line)
    {
        // Padded over what the previous line left, and cut so it never wraps on a narrow terminal.
        const int maxWidth = 119;
        if (line.Length > maxWidth) line = line[..(maxWidth - 1)] + "…";
        int pad = Math.Max(0, _drawnWidth - line.Length);
        _writer.Write("\r" + line + new string(' ', pad));
        _writer.Flush();
        _drawnWidth = line.Length;
    }

    private sealed class Ticker(Timer? timer, ConsoleProgress owner) : IDisposable
    {
        public void Dispose()
        {
            timer?.Dispose();
            owner.Complete();
        }
    }
}
