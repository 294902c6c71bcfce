using static NativeInfer.Tokenization.CodepointScan;

namespace NativeInfer.Tokenization;

/// <summary>
/// The Llama 3 pattern
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>
/// as llama.cpp's hand-written scanner (unicode_regex_split_custom_llama3), step for step: case-blind
/// contractions, a letter run with one optional leading non-letter, numbers in groups of three,
/// punctuation runs swallowing trailing newlines, and whitespace runs that end after their last newline.
/// <para>Qwen2's pattern is the same with single digits (<c>\p{N}</c> for <c>\p{N}{1,3}</c>). llama.cpp
/// runs that one through std::regex; the scanner with a group size of one gives the same pieces
/// (PreTokenizerTests fuzzes both against the regex path) at scanner speed.</para>
/// </summary>
internal sealed class Llama3Split(int digitsPerGroup = 3) : SplitStage
{
    /// <summary>llama.cpp's spelling (std::regex has no inline (?i:), so the contractions list both cases).</summary>
    public const string Regex = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The pattern as Hugging Face tokenizer.json writes it (llama.cpp treats both the same).</summary>
    public const string RegexCaseInsensitive = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's pattern (llama.cpp's spelling).</summary>
    public const string Qwen2Regex = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public override string Pattern => digitsPerGroup == 1 ? Qwen2Regex : Regex;

    public override void Split(ReadOnlySpan<int> codepoints, ReadOnlySpan<int> pieces, GrowableBuffer<int> output, GrowableBuffer<char> scratch)
    {
        int start = 0;
        foreach (int length in pieces)
        {
            SplitPiece(codepoints.Slice(start, length), output);
            start += length;
        }
    }

    // Only ASCII letters lower-case to s, t, r, e, v, m, l or d, so ASCII folding is exact here.
    private static int Lower(int c) => c is >= 'A' and <= 'Z' ? c + 32 : c;

    private void SplitPiece(ReadOnlySpan<int> cps, GrowableBuffer<int> output)
    {
        int end = cps.Length;
        int pos = 0;
        int last = 0;
        while (pos < end)
        {
            int cpt = cps[pos];
            CodepointClass flags = UnicodeTables.Of(cpt);

            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if (cpt == '\'' && pos + 1 < end)
            {
                int next = Lower(cps[pos + 1]);
                if (next is 's' or 't' or 'm' or 'd')
                {
                    pos += 2;
                    Emit(ref last, pos, output);
                    continue;
                }
                if (pos + 2 < end)
                {
                    int after = Lower(cps[pos + 2]);
                    if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') || (next == 'l' && after == 'l'))
                    {
                        pos += 3;
                        Emit(ref last, pos, output);
                        continue;
                    }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(cpt == '\r' || cpt == '\n' || Has(flags, CodepointClass.Number)))
            {
                if (Has(flags, CodepointClass.Letter) || Has(At(cps, pos + 1), CodepointClass.Letter))
                {
                    pos++;
                    while (Has(At(cps, pos), CodepointClass.Letter)) pos++;
                    Emit(ref last, pos, output);
                    continue;
                }
            }

            // \p{N}{1,3} (Qwen2: \p{N})
            if (Has(flags, CodepointClass.Number))
            {
                int groupStart = pos;
                while (Has(At(cps, pos), CodepointClass.Number))
                {
                    if (++pos - groupStart >= digitsPerGroup)
                    {
                        Emit(ref last, pos, output);
                        groupStart = pos;
                    }
                }
                Emit(ref last, pos, output);
                continue;
            }

            // <space>?[^\s\p{L}\p{N}]+[\r\n]*
            CodepointClass flags2 = cpt == ' ' ? At(cps, pos + 1) : flags;
            if (IsOther(flags2))
            {
                if (cpt == ' ') pos++;
                while (IsOther(At(cps, pos))) pos++;
                while (pos < end && cps[pos] is '\r' or '\n') pos++;
                Emit(ref last, pos, output);
                continue;
            }

            int spaces = 0;
            int afterLastNewline = 0;
            while (Has(At(cps, pos + spaces), CodepointClass.Whitespace))
            {
                if (cps[pos + spaces] is '\r' or '\n') afterLastNewline = pos + spaces + 1;
                spaces++;
            }

            // \s*[\r\n]+
            if (afterLastNewline > 0)
            {
                pos = afterLastNewline;
                Emit(ref last, pos, output);
                continue;
            }

            // \s+(?!\S)
            if (spaces > 1 && pos + spaces < end)
            {
                pos += spaces - 1;
                Emit(ref last, pos, output);
                continue;
            }

            // \s+
            if (spaces > 0)
            {
                pos += spaces;
                Emit(ref last, pos, output);
                continue;
            }

            pos++;
            Emit(ref last, pos, output);
        }
    }
}
