using NativeInfer.Generation;

namespace NativeInfer.Tests.Generation;

/// <summary>Stop-string matching over pieces: the released text always equals the text before the first stop occurrence.</summary>
public class StopStringMatcherTests
{
    /// <summary>Feeds the pieces; returns each piece's released text and whether a stop matched.</summary>
    private static (List<string> Released, bool Matched) Run(string[] stops, params string[] pieces)
    {
        var m = new StopStringMatcher();
        m.Reset(stops, pieces.Max(p => p.Length) + 1);
        var output = new char[256];
        var released = new List<string>();
        for (int i = 0; i < pieces.Length; i++)
        {
            int n = m.Feed(pieces[i], output, final: i == pieces.Length - 1, out bool matched);
            released.Add(new string(output, 0, n));
            if (matched) return (released, true);
        }
        return (released, false);
    }

    [Test]
    public void SplitStop_IsHeldBackThenCut()
    {
        var (released, matched) = Run(["STOP"], "Hel", "lo ST", "OP!", "never fed");
        Assert.That(released, Is.EqualTo(new[] { "Hel", "lo ", "" }));
        Assert.That(matched);
    }

    [Test]
    public void PartialRepeats_ReleaseExactlyWhatPrecedesTheMatch()
    {
        var (released, matched) = Run(["aab"], "a", "a", "a", "b");
        Assert.That(string.Concat(released), Is.EqualTo("a"));
        Assert.That(released, Is.EqualTo(new[] { "", "", "a", "" }), "'aa' held, then one 'a' released when a third arrives");
        Assert.That(matched);
    }

    [Test]
    public void EarliestOccurrenceOfAnyStopWins()
    {
        Assert.That(Run(["abc", "ab", "zz"], "xa", "bcd").Released, Is.EqualTo(new[] { "x", "" }), "'a' is held; 'ab' and 'abc' both start there: the cut");
        Assert.That(Run(["cd", "b"], "abcd").Released, Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public void NoMatch_EverythingIsReleased_TheFinalPieceFlushesTheHeldPrefix()
    {
        var (released, matched) = Run(["STOP"], "a S", "T", "x ST");
        Assert.That(matched, Is.False);
        Assert.That(released, Is.EqualTo(new[] { "a ", "", "STx ST" }));
    }

    [Test]
    public void NoStops_PassThrough()
    {
        Assert.That(Run([], "ab", "", "cd").Released, Is.EqualTo(new[] { "ab", "", "cd" }));
    }

    [Test]
    public void RandomSplits_AlwaysReleaseTheTextBeforeTheFirstStop()
    {
        var random = new Random(17);
        string[] stops = ["<end>", "\n\nUser:", "eee"];
        for (int trial = 0; trial < 500; trial++)
        {
            var text = new string(Enumerable.Range(0, random.Next(5, 60)).Select(_ => "abe<nd>\nUsr: "[random.Next(13)]).ToArray());
            if (random.Next(2) == 0) text = text.Insert(random.Next(text.Length), stops[random.Next(stops.Length)]);
            var pieces = new List<string>();
            for (int i = 0; i < text.Length;)
            {
                int n = Math.Min(text.Length - i, random.Next(1, 6));
                pieces.Add(text.Substring(i, n));
                i += n;
            }
            int first = stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
            var (released, matched) = Run(stops, [.. pieces]);
            Assert.That(string.Concat(released), Is.EqualTo(first < 0 ? text : text[..first]), $"text \"{text}\"");
            Assert.That(matched, Is.EqualTo(first >= 0));
        }
    }
}
