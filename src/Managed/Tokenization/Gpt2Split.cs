using static NativeInfer.Tokenization.CodepointScan;

namespace NativeInfer.Tokenization;

/// <summary>
/// The GPT-2 pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)</c>
/// as the hand-written scanner llama.cpp substitutes for it (unicode_regex_split_custom_gpt2): its
/// results are the reference, so this follows the scanner step for step, not a regex engine. A run of
/// whitespace before a non-space keeps its last character for the next word (" world"); a run at the
/// end of a piece stays whole; anything unmatched becomes a one-codepoint piece.
/// </summary>
internal sealed class Gpt2Split : SplitStage
{
    public const string Regex = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

    public override string Pattern => Regex;

    public override void Split(ReadOnlySpan<int> codepoints, ReadOnlySpan<int> pieces, GrowableBuffer<int> output, GrowableBuffer<char> scratch)
    {
        int start = 0;
        foreach (int length in pieces)
        {
            SplitPiece(codepoints.Slice(start, length), output);
            start += length;
        }
    }

    private static void SplitPiece(ReadOnlySpan<int> cps, GrowableBuffer<int> output)
    {
        int end = cps.Length;
        int pos = 0;
        int last = 0; // end of the last emitted piece
        while (pos < end)
        {
            int cpt = cps[pos];
            CodepointClass flags = UnicodeTables.Of(cpt);

            // 's|'t|'re|'ve|'m|'ll|'d
            if (cpt == '\'' && pos + 1 < end)
            {
                int next = cps[pos + 1];
                if (next is 's' or 't' or 'm' or 'd')
                {
                    pos += 2;
                    Emit(ref last, pos, output);
                    continue;
                }
                if (pos + 2 < end)
                {
                    int after = cps[pos + 2];
                    if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') || (next == 'l' && after == 'l'))
                    {
                        pos += 3;
                        Emit(ref last, pos, output);
                        continue;
                    }
                }
            }

            CodepointClass flags2 = cpt == ' ' ? At(cps, pos + 1) : flags;
            // <space>?\p{L}+ , <space>?\p{N}+ , <space>?[^\s\p{L}\p{N}]+
            if (Has(flags2, CodepointClass.Letter) || Has(flags2, CodepointClass.Number) || IsOther(flags2))
            {
                if (cpt == ' ') pos++;
                if (Has(flags2, CodepointClass.Letter))
                    while (Has(At(cps, pos), CodepointClass.Letter)) pos++;
                else if (Has(flags2, CodepointClass.Number))
                    while (Has(At(cps, pos), CodepointClass.Number)) pos++;
                else
                    while (IsOther(At(cps, pos))) pos++;
                Emit(ref last, pos, output);
                continue;
            }

            int spaces = 0;
            while (Has(At(cps, pos + spaces), CodepointClass.Whitespace)) spaces++;
            if (spaces > 1 && pos + spaces < end)
            {
                // \s+(?!\S): leave the last whitespace to start the next piece
                pos += spaces - 1;
                Emit(ref last, pos, output);
                continue;
            }
            if (spaces > 0)
            {
                pos += spaces;
                Emit(ref last, pos, output);
                continue;
            }

            // no alternative matched
            pos++;
            Emit(ref last, pos, output);
        }
    }
}
