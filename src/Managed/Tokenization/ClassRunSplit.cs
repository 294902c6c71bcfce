using System.Text.RegularExpressions;

namespace NativeInfer.Tokenization;

/// <summary>
/// The fast path for the simple regexes most pre-tokenizers are built from — a run of one character
/// class, optionally after one optional character, optionally anchored at the end:
/// <c>[\r\n]</c>, <c>\s?[A-Za-z…]+</c>, <c>\s+$</c>, <c>\p{N}{1,3}</c>, <c>[0-9][0-9][0-9]</c>.
/// Class membership is computed once per codepoint from the same translated class .NET's regex
/// would use (<see cref="PatternTranslation"/>), so the result is the regex's, at table-lookup speed.
/// Matching follows the regex semantics: leftmost start, greedy run, the optional prefix taken
/// when the run can follow it and dropped (backtracking) when it cannot.
/// </summary>
internal sealed class ClassRunSplit : SplitStage
{
    /// <summary>One character class with a repetition count.</summary>
    private sealed class Atom(bool[] bmp, bool[] mapped, PatternTranslation translation, int min, int max)
    {
        public readonly int Min = min, Max = max;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public bool Matches(int codepoint) =>
            (uint)codepoint < 0x10000 ? bmp[codepoint] : mapped[translation.Map(codepoint)];

        /// <summary>Length of the run of members starting at <paramref name="start"/>, at most Max.</summary>
        public int Run(ReadOnlySpan<int> cps, int start)
        {
            int end = start;
            int limit = Max == int.MaxValue ? cps.Length : Math.Min(cps.Length, start + Max);
            while (end < limit && Matches(cps[end])) end++;
            return end - start;
        }
    }

    private readonly Atom? _prefix; // an optional single character before the run (the "\s?" of "\s?\p{L}+")
    private readonly Atom _run;
    private readonly bool _anchoredAtEnd;

    private ClassRunSplit(string pattern, Atom? prefix, Atom run, bool anchoredAtEnd)
    {
        Pattern = pattern;
        _prefix = prefix;
        _run = run;
        _anchoredAtEnd = anchoredAtEnd;
    }

    public override string Pattern { get; }

    /// <summary>A splitter for <paramref name="translation"/> if the pattern has one of the simple shapes, else null.</summary>
    public static ClassRunSplit? TryCreate(PatternTranslation translation)
    {
        List<(string Atom, int Min, int Max)>? items = Parse(translation.Translated, out bool anchored);
        if (items is null) return null;
        // Repeated identical atoms are one counted run: [0-9][0-9][0-9] is [0-9]{3}.
        for (int i = items.Count - 1; i > 0; i--)
        {
            if (items[i].Atom == items[i - 1].Atom && items[i].Min == items[i].Max && items[i - 1].Min == items[i - 1].Max)
            {
                items[i - 1] = (items[i].Atom, items[i - 1].Min + items[i].Min, items[i - 1].Max + items[i].Max);
                items.RemoveAt(i);
            }
        }
        switch (items.Count)
        {
            case 1 when items[0].Min >= 1 && (!anchored || items[0].Max == int.MaxValue):
                return new ClassRunSplit(translation.Pattern, null, CreateAtom(translation, items[0]), anchored);
            case 2 when !anchored && items[0] is { Min: 0, Max: 1 } && items[1].Min >= 1:
                return new ClassRunSplit(translation.Pattern, CreateAtom(translation, items[0]), CreateAtom(translation, items[1]), false);
            default:
                return null;
        }
    }

    public override void Split(ReadOnlySpan<int> codepoints, ReadOnlySpan<int> pieces, GrowableBuffer<int> output, GrowableBuffer<char> scratch)
    {
        int start = 0;
        foreach (int length in pieces)
        {
            ReadOnlySpan<int> piece = codepoints.Slice(start, length);
            if (_anchoredAtEnd) SplitAnchored(piece, output);
            else SplitPiece(piece, output);
            start += length;
        }
    }

    private void SplitPiece(ReadOnlySpan<int> cps, GrowableBuffer<int> output)
    {
        int last = 0, p = 0;
        while (p < cps.Length)
        {
            // Skip to the next member of the run's class: no match can start before it, except on
            // the optional prefix character right in front of it.
            int q = p;
            while (q < cps.Length && !_run.Matches(cps[q])) q++;
            if (q == cps.Length) break;
            int run = _run.Run(cps, q);
            if (run < _run.Min)
            {
                p = q + 1; // the whole run is too short, from q or from inside it
                continue;
            }
            int start = _prefix is not null && q > p && _prefix.Matches(cps[q - 1]) ? q - 1 : q;
            if (start > last) output.Add(start - last);
            output.Add(q + run - start);
            p = last = q + run;
        }
        if (last < cps.Length) output.Add(cps.Length - last);
    }

    /// <summary>run+\z: the only possible match is the longest suffix of members.</summary>
    private void SplitAnchored(ReadOnlySpan<int> cps, GrowableBuffer<int> output)
    {
        int q = cps.Length;
        while (q > 0 && _run.Matches(cps[q - 1])) q--;
        if (q > 0) output.Add(q);
        if (q < cps.Length) output.Add(cps.Length - q);
    }

    private static Atom CreateAtom(PatternTranslation translation, (string Atom, int Min, int Max) item)
    {
        // Which mapped chars the class matches, found by running it once over every BMP char.
        var mapped = new bool[0x10000];
        var all = new char[0x10000];
        for (int c = 0; c < all.Length; c++) all[c] = char.IsSurrogate((char)c) ? '\0' : (char)c;
        foreach (ValueMatch m in new Regex(item.Atom, RegexOptions.CultureInvariant).EnumerateMatches(all))
            if (!char.IsSurrogate((char)m.Index)) mapped[m.Index] = true;
        var bmp = new bool[0x10000];
        for (int c = 0; c < bmp.Length; c++) bmp[c] = !char.IsSurrogate((char)c) && mapped[translation.Map(c)];
        return new Atom(bmp, mapped, translation, item.Min, item.Max);
    }

    /// <summary>
    /// Splits a translated pattern into quantified atoms (escapes, classes, single characters);
    /// null when it has alternation, groups, anchors other than a final \z, or lazy quantifiers.
    /// </summary>
    private static List<(string Atom, int Min, int Max)>? Parse(string pattern, out bool anchored)
    {
        anchored = false;
        var items = new List<(string, int, int)>();
        int i = 0;
        while (i < pattern.Length)
        {
            if (anchored) return null; // \z must be last
            int atomStart = i;
            char c = pattern[i];
            if (c is '|' or '(' or ')' or '^' or '$' or '.' or '*' or '+' or '?' or '{') return null;
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length) return null;
                char e = pattern[i + 1];
                if (e == 'z')
                {
                    anchored = true;
                    i += 2;
                    continue;
                }
                if (e is 'b' or 'B' or 'A' or 'Z' or 'G' or 'p' or 'P' or 'k' || char.IsDigit(e)) return null;
                i += e == 'u' ? 6 : 2;
            }
            else if (c == '[')
            {
                i++;
                if (i < pattern.Length && pattern[i] == '^') i++;
                if (i < pattern.Length && pattern[i] == ']') i++; // a leading ] is literal
                while (i < pattern.Length && pattern[i] != ']')
                {
                    if (pattern[i] == '[') return null; // subtraction or nesting
                    i += pattern[i] == '\\' ? (i + 1 < pattern.Length && pattern[i + 1] == 'u' ? 6 : 2) : 1;
                }
                if (i >= pattern.Length) return null;
                i++;
            }
            else i++;
            string atom = pattern[atomStart..i];
            (int min, int max) = (1, 1);
            if (i < pattern.Length)
            {
                switch (pattern[i])
                {
                    case '?': (min, max) = (0, 1); i++; break;
                    case '+': (min, max) = (1, int.MaxValue); i++; break;
                    case '*': (min, max) = (0, int.MaxValue); i++; break;
                    case '{':
                        int close = pattern.IndexOf('}', i);
                        if (close < 0) return null;
                        string[] bounds = pattern[(i + 1)..close].Split(',');
                        if (!int.TryParse(bounds[0], out min)) return null;
                        max = bounds.Length == 1 ? min : bounds[1].Length == 0 ? int.MaxValue : int.TryParse(bounds[1], out int m) ? m : -1;
                        if (max < min || bounds.Length > 2) return null;
                        i = close + 1;
                        break;
                }
                if (i < pattern.Length && pattern[i] is '?' or '+') return null; // lazy or possessive
            }
            items.Add((atom, min, max));
        }
        return items.Count > 0 ? items : null;
    }
}
