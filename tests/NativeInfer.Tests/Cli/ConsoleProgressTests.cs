using NativeInfer.Cli.Progress;
using NativeInfer.Diagnostics;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// The progress line: redrawn in place at most every 100 ms on a terminal with percentage, amounts, rate and
/// elapsed time computed from the clock, erased at the end; on a redirected stderr silent except for one
/// plain line per 10 s.
/// </summary>
public class ConsoleProgressTests
{
    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    [Test]
    public void Terminal_RedrawsInPlace_ThrottledAndFormatted()
    {
        var clock = new ManualClock();
        var text = new StringWriter();
        var progress = new ConsoleProgress(text, interactive: true, clock);

        progress.Report(new OperationProgress("write", 0, 4_000_000, ProgressUnit.Bytes, "token_embd.weight"));
        clock.Advance(TimeSpan.FromMilliseconds(50));
        progress.Report(new OperationProgress("write", 1_000_000, 4_000_000, ProgressUnit.Bytes, "skipped: too soon"));
        clock.Advance(TimeSpan.FromMilliseconds(450));
        progress.Report(new OperationProgress("write", 2_000_000, 4_000_000, ProgressUnit.Bytes, "blk.0.attn_q.weight"));
        clock.Advance(TimeSpan.FromMilliseconds(10));
        progress.Report(new OperationProgress("write", 4_000_000, 4_000_000, ProgressUnit.Bytes, "output.weight"));

        string[] frames = text.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(frames, Has.Length.EqualTo(3), "the second report came within 100 ms; the last one completes the stage and is always drawn");
        Assert.That(frames[0], Is.EqualTo("write:   0% 0.0/4.0 MB 0.0 s token_embd.weight"));
        Assert.That(frames[1].TrimEnd(), Is.EqualTo("write:  50% 2.0/4.0 MB 4.0 MB/s 0.5 s blk.0.attn_q.weight"), "2 MB in 0.5 s");
        Assert.That(frames[1], Has.Length.EqualTo(frames[1].TrimEnd().Length), "nothing longer was drawn before it");
        Assert.That(frames[2].TrimEnd(), Is.EqualTo("write: 100% 4.0/4.0 MB 7.8 MB/s 0.5 s output.weight"));
        Assert.That(text.ToString(), Does.Not.Contain("\n"), "a terminal line is rewritten, never appended");

        int before = text.ToString().Length;
        progress.Complete();
        string erase = text.ToString()[before..];
        Assert.That(erase, Is.EqualTo("\r" + new string(' ', frames[2].TrimEnd().Length) + "\r"), "the line is wiped so results start clean (what lies past it is blank already)");
    }

    [Test]
    public void Redirected_IsQuietForShortWork_ThenOneLinePerTenSeconds()
    {
        var clock = new ManualClock();
        var text = new StringWriter();
        var progress = new ConsoleProgress(text, interactive: false, clock);
        for (int i = 0; i <= 90; i++)
        {
            progress.Report(new OperationProgress("quantize", i, 100, ProgressUnit.Items));
            clock.Advance(TimeSpan.FromSeconds(0.25));
        }
        progress.Complete();
        string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[] { "quantize:  40% 40/100 4/s 10.0 s", "quantize:  80% 80/100 4/s 20.0 s" }));

        var quiet = new StringWriter();
        var shortWork = new ConsoleProgress(quiet, interactive: false, clock);
        shortWork.Report(new OperationProgress("write", 1, 2));
        shortWork.Report(new OperationProgress("write", 2, 2));
        shortWork.Complete();
        Assert.That(quiet.ToString(), Is.Empty);
    }

    [Test]
    public void UnknownTotal_ShowsAmountAndTime_OnlyWhatIsKnown()
    {
        Assert.That(ConsoleProgress.Format(new OperationProgress("load", 0, 0, ProgressUnit.Items, "model.gguf"), TimeSpan.FromSeconds(1.24)),
                    Is.EqualTo("load: 1.2 s model.gguf"));
        Assert.That(ConsoleProgress.Format(new OperationProgress("read", 3_500_000, -1), TimeSpan.FromSeconds(2)),
                    Is.EqualTo("read: 3.5 MB 1.8 MB/s 2.0 s"));
    }

    [Test]
    public void NewStage_RestartsTheClock()
    {
        var clock = new ManualClock();
        var text = new StringWriter();
        var progress = new ConsoleProgress(text, interactive: true, clock);
        progress.Report(new OperationProgress("load", 0, 0, ProgressUnit.Items));
        clock.Advance(TimeSpan.FromSeconds(3));
        progress.Report(new OperationProgress("prefill", 10, 20, ProgressUnit.Items));
        Assert.That(text.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries)[^1].TrimEnd(), Is.EqualTo("prefill:  50% 10/20 0.0 s"), "elapsed counts from the new stage; no rate over no time");
    }
}
