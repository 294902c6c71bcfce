using System.Text;

namespace NativeInfer.Tokenization;

/// <summary>
/// How llama.cpp runs a pre-tokenizer regex it has no hand-written scanner for, restated for .NET,
/// whose regexes see one UTF-16 char where llama.cpp's see one codepoint. The text is mapped to one
/// char per codepoint and the pattern rewritten to match:
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
internal sealed class PatternTranslation
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

    private readonly (int Low, int High)[] _supplementaryRanges = [];

    public PatternTranslation(string pattern)
    {
        Pattern = pattern;
        Collapsed = Categories.Keys.Any(pattern.Contains);
        Translated = Collapsed ? TranslateCollapsed(pattern) : TranslateWide(pattern, out _supplementaryRanges);
    }

    /// <summary>The regex as llama.cpp lists it.</summary>
    public string Pattern { get; }

    /// <summary>The .NET regex to run over <see cref="Map(int)">mapped</see> text.</summary>
    public string Translated { get; }

    public bool Collapsed { get; }

    /// <summary>The char a codepoint becomes in the text the translated pattern runs on.</summary>
    public char Map(int c)
    {
        if (c < 0x80) return (char)c;
        CodepointClass flags = UnicodeTables.Of(c);
        if ((flags & CodepointClass.Whitespace) != 0) return '\v';
        if (Collapsed) return (char)(CategoryBase + CategoryOffset(flags));
        if (c >= 0x10000) return InSupplementaryRanges(c) ? SupplementaryInClass : SupplementaryOther;
        if (c is >= CategoryBase and <= SupplementaryOther) return SupplementaryOther; // keep stand-ins unambiguous
        return (char)c;
    }

    public void Map(ReadOnlySpan<int> codepoints, Span<char> text)
    {
        for (int i = 0; i < codepoints.Length; i++)
        {
            int c = codepoints[i];
            text[i] = c < 0x80 ? (char)c : Map(c);
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

    private bool InSupplementaryRanges(int c)
    {
        foreach ((int low, int high) in _supplementaryRanges)
            if (c >= low && c <= high) return true;
        return false;
    }

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
