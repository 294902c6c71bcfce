using System.Text;
using System.Text.RegularExpressions;

namespace NativeInfer.Tokenization;

/// <summary>
/// A pre-tokenizer regex run the way llama.cpp runs the ones it has no hand-written scanner for,
/// on .NET's regex engine over one char per codepoint:
/// <list type="bullet">
/// <item>Patterns with \p{L}, \p{N}, \p{P}, \p{M} or \p{S} are "collapsed" as in llama.cpp: ASCII
/// stays, non-ASCII whitespace becomes \v, every other non-ASCII codepoint becomes a stand-in for
/// its category (private-use U+E0D1…U+E0D5, U+E0D0 for none of them), and each \p{X} becomes the
/// stand-in plus llama.cpp's ASCII members of X. That reproduces llama.cpp exactly, including its
/// quirks: '~' is not \p{S}, and a non-ASCII space is \s but never \p{Z}.</item>
/// <item>Other patterns (DeepSeek's explicit ranges) see the codepoints themselves, non-ASCII
/// whitespace as \v. A codepoint above U+FFFF would need two chars, so ranges above U+FFFF in the
/// pattern are replaced by one stand-in (U+E0E0) and such codepoints map to it when they fall in
/// those ranges, to U+E0E1 otherwise.</item>
/// </list>
/// "$" becomes \z (std::regex's "$" is the end of the text only; .NET's also matches before a final \n).
/// </summary>
internal sealed class RegexSplit : SplitStage
{
    private const char CategoryBase = '\uE0D0';        // + 1 number, 2 letter, 3 punctuation, 4 mark, 5 symbol
    private const char SupplementaryInClass = '\uE0E0';
    private const char SupplementaryOther = '\uE0E1';

    // llama.cpp's k_ucat_map: the ASCII members of each category, as .NET class text.
    private static readonly Dictionary<string, (int Offset, string Ascii)> Categories = new(StringComparer.Ordinal)
    {
        [@"\p{N}"] = (1, "0-9"),
        [@"\p{L}"] = (2, "A-Za-z"),
        [@"\p{Lu}"] = (2, "A-Za-z"),
        [@"\p{Ll}"] = (2, "A-Za-z"),
        [@"\p{Lt}"] = (2, "A-Za-z"),
        [@"\p{Lm}"] = (2, "A-Za-z"),
        [@"\p{Lo}"] = (2, "A-Za-z"),
        [@"\p{P}"] = (3, @"!-#%-*,-/:-;?-@\[-\]_\{\}"),
        [@"\p{M}"] = (4, ""),
        [@"\p{S}"] = (5, @"\$\+<->\^`\|"),
    };

    private readonly Regex _regex;
    private readonly bool _collapsed;
    private readonly (int Low, int High)[] _supplementaryRanges;

    public RegexSplit(string pattern)
    {
        Pattern = pattern;
        _collapsed = Categories.Keys.Any(pattern.Contains);
        string translated = _collapsed ? TranslateCollapsed(pattern) : TranslateWide(pattern, out _supplementaryRanges);
        _supplementaryRanges ??= [];
        TranslatedPattern = translated;
        _regex = new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.Compiled);
    }

    public override string Pattern { get; }

    /// <summary>What .NET runs (for tests and docs).</summary>
    public string TranslatedPattern { get; }

    public override void Split(ReadOnlySpan<int> codepoints, ReadOnlySpan<int> pieces, GrowableBuffer<int> output, GrowableBuffer<char> scratch)
    {
        Span<char> text = scratch.Resize(codepoints.Length);
        if (_collapsed) Collapse(codepoints, text);
        else Widen(codepoints, text);

        int start = 0;
        foreach (int length in pieces)
        {
            ReadOnlySpan<char> piece = text.Slice(start, length);
            int last = 0;
            foreach (ValueMatch m in _regex.EnumerateMatches(piece))
            {
                if (m.Length == 0) continue;
                if (m.Index > last) output.Add(m.Index - last);
                output.Add(m.Length);
                last = m.Index + m.Length;
            }
            if (last < length) output.Add(length - last);
            start += length;
        }
    }

    // ------------------------------------------------------------------ text mapping

    private static void Collapse(ReadOnlySpan<int> codepoints, Span<char> text)
    {
        for (int i = 0; i < codepoints.Length; i++)
        {
            int c = codepoints[i];
            if (c < 0x80)
            {
                text[i] = (char)c;
                continue;
            }
            CodepointClass flags = UnicodeTables.Of(c);
            text[i] = (flags & CodepointClass.Whitespace) != 0 ? '\v' : (char)(CategoryBase + CategoryOffset(flags));
        }
    }

    private static int CategoryOffset(CodepointClass flags) => (flags & ~CodepointClass.Whitespace) switch
    {
        CodepointClass.Number => 1,
        CodepointClass.Letter => 2,
        CodepointClass.Punctuation => 3,
        CodepointClass.Mark => 4,
        CodepointClass.Symbol => 5,
        _ => 0,
    };

    private void Widen(ReadOnlySpan<int> codepoints, Span<char> text)
    {
        for (int i = 0; i < codepoints.Length; i++)
        {
            int c = codepoints[i];
            if (c < 0x80) text[i] = (char)c;
            else if (UnicodeTables.IsWhitespace(c)) text[i] = '\v';
            else if (c >= 0x10000) text[i] = InSupplementaryRanges(c) ? SupplementaryInClass : SupplementaryOther;
            else if (c is >= CategoryBase and <= SupplementaryOther) text[i] = SupplementaryOther; // keep stand-ins unambiguous
            else text[i] = (char)c;
        }
    }

    private bool InSupplementaryRanges(int c)
    {
        foreach ((int low, int high) in _supplementaryRanges)
            if (c >= low && c <= high) return true;
        return false;
    }

    // ------------------------------------------------------------------ pattern translation

    /// <summary>llama.cpp's regex_expr_collapsed, written for .NET.</summary>
    private static string TranslateCollapsed(string pattern)
    {
        var result = new StringBuilder(pattern.Length * 2);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c >= 0x80) throw new ArgumentException($"pattern mixes unicode categories and non-ASCII characters: {pattern}");
            if (c == '\\' && i + 1 < pattern.Length)
            {
                int close = pattern[i + 1] == 'p' ? pattern.IndexOf('}', i) : -1;
                if (close > 0 && Categories.TryGetValue(pattern[i..(close + 1)], out var category))
                {
                    if (!inClass) result.Append('[');
                    result.Append(@"\u").Append(((int)CategoryBase + category.Offset).ToString("X4")).Append(category.Ascii);
                    if (!inClass) result.Append(']');
                    i = close;
                    continue;
                }
                result.Append(c).Append(pattern[++i]);
                continue;
            }
            if (c == '[' && !inClass) inClass = true;
            else if (c == ']' && inClass) inClass = false;
            else if (c == '$' && !inClass)
            {
                result.Append(@"\z");
                continue;
            }
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>Copies the pattern, moving ranges above U+FFFF out of its (single) class into a stand-in.</summary>
    private static string TranslateWide(string pattern, out (int Low, int High)[] supplementaryRanges)
    {
        int[] cps = pattern.EnumerateRunes().Select(r => r.Value).ToArray();
        var ranges = new List<(int Low, int High)>();
        var result = new StringBuilder(pattern.Length + 8);
        bool inClass = false, classHasSupplementary = false;
        int classesWithSupplementary = 0;
        for (int i = 0; i < cps.Length; i++)
        {
            int c = cps[i];
            if (c == '\\' && i + 1 < cps.Length)
            {
                result.Append('\\').Append(char.ConvertFromUtf32(cps[++i]));
                continue;
            }
            if (!inClass)
            {
                if (c >= 0x10000) throw new ArgumentException($"codepoint U+{c:X} outside a character class is not supported: {pattern}");
                if (c == '[')
                {
                    inClass = true;
                    classHasSupplementary = false;
                    result.Append('[');
                    if (i + 1 < cps.Length && cps[i + 1] == '^')
                    {
                        result.Append('^');
                        i++;
                        if (cps[i..].TakeWhile(x => x != ']').Any(x => x >= 0x10000))
                            throw new ArgumentException($"negated class with codepoints above U+FFFF is not supported: {pattern}");
                    }
                    continue;
                }
                result.Append(c == '$' ? @"\z" : char.ConvertFromUtf32(c));
                continue;
            }
            if (c == ']')
            {
                if (classHasSupplementary)
                {
                    result.Append(SupplementaryInClass);
                    classesWithSupplementary++;
                }
                inClass = false;
                result.Append(']');
                continue;
            }
            bool isRange = i + 2 < cps.Length && cps[i + 1] == '-' && cps[i + 2] != ']';
            int high = isRange ? cps[i + 2] : c;
            if (c >= 0x10000 || high >= 0x10000)
            {
                if (c < 0x10000) throw new ArgumentException($"range crossing U+FFFF is not supported: {pattern}");
                ranges.Add((c, high));
                classHasSupplementary = true;
                i += isRange ? 2 : 0;
                continue;
            }
            result.Append(char.ConvertFromUtf32(c));
        }
        if (classesWithSupplementary > 1)
            throw new ArgumentException($"codepoints above U+FFFF in more than one class are not supported: {pattern}");
        supplementaryRanges = ranges.ToArray();
        return result.ToString();
    }
}
