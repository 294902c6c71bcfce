using System.Globalization;

namespace NativeInfer.Tokenization;

/// <summary>
/// Per-codepoint classes for the pre-tokenizers. The BMP is one 64 KiB table built once; the rare
/// supplementary codepoints ask .NET's category data directly. Categories come from .NET's Unicode
/// tables, which may be a version ahead of llama.cpp's; that only matters for newly assigned codepoints.
/// </summary>
internal static class UnicodeTables
{
    private static readonly CodepointClass[] Bmp = BuildBmp();

    public static CodepointClass Of(int codepoint) =>
        (uint)codepoint < (uint)Bmp.Length ? Bmp[codepoint] : Compute(codepoint);

    public static bool IsWhitespace(int codepoint) => (Of(codepoint) & CodepointClass.Whitespace) != 0;

    /// <summary>
    /// The Unicode White_Space property (what llama.cpp's table holds; .NET's \s matches the same set):
    /// U+0009–000D, U+0020, U+0085, U+00A0, U+1680, U+2000–200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    /// </summary>
    private static bool IsWhiteSpaceProperty(int c) =>
        c is (>= 0x09 and <= 0x0D) or 0x20 or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    private static CodepointClass[] BuildBmp()
    {
        var table = new CodepointClass[0x10000];
        for (int c = 0; c < table.Length; c++) table[c] = Compute(c);
        return table;
    }

    private static CodepointClass Compute(int codepoint)
    {
        if ((uint)codepoint > 0x10FFFF) return CodepointClass.Control;
        CodepointClass category = CharUnicodeInfo.GetUnicodeCategory(codepoint) switch
        {
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                => CodepointClass.Number,
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CodepointClass.Letter,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                => CodepointClass.Separator,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                => CodepointClass.Mark,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => CodepointClass.Punctuation,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => CodepointClass.Symbol,
            _ => CodepointClass.Control, // Cc, Cf, Cs, Co and unassigned, as llama.cpp's \p{C}
        };
        return IsWhiteSpaceProperty(codepoint) ? category | CodepointClass.Whitespace : category;
    }
}
