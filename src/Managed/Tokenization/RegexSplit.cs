using System.Text.RegularExpressions;

namespace NativeInfer.Tokenization;

/// <summary>
/// A pre-tokenizer regex run on .NET's regex engine over the text as <see cref="PatternTranslation"/>
/// maps it (one char per codepoint): the general path, for patterns with alternations that neither
/// a hand-written scanner nor <see cref="ClassRunSplit"/> covers.
/// </summary>
internal sealed class RegexSplit : SplitStage
{
    private readonly PatternTranslation _translation;
    private readonly Regex _regex;

    public RegexSplit(string pattern) : this(new PatternTranslation(pattern))
    {
    }

    public RegexSplit(PatternTranslation translation)
    {
        _translation = translation;
        _regex = new Regex(translation.Translated, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.Compiled);
    }

    public override string Pattern => _translation.Pattern;

    public override void Split(ReadOnlySpan<int> codepoints, ReadOnlySpan<int> pieces, GrowableBuffer<int> output, GrowableBuffer<char> scratch)
    {
        Span<char> text = scratch.Resize(codepoints.Length);
        _translation.Map(codepoints, text);
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
}
