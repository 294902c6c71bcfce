using System.Globalization;
using System.Text;

namespace NativeInfer.Diagnostics;

/// <summary>
/// Text from files and users made safe to put in a one-line message: control characters (line breaks,
/// ANSI escape sequences, C1 controls) and the Unicode line separators and bidirectional overrides are
/// written as escapes (\n, \r, \t, \x1b, \u2028), so an error stays one line and cannot move the cursor,
/// recolour the terminal or reorder what it shows. Backslashes are kept as they are (regular expressions
/// are full of them).
/// </summary>
public static class DisplayText
{
    /// <summary>The text with every character that could break the line or drive the terminal escaped.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        int i = 0;
        while (i < text.Length && !NeedsEscape(text[i])) i++;
        if (i == text.Length) return text;
        var escaped = new StringBuilder(text.Length + 16).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsEscape(c)) escaped.Append(c);
            else escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                <= '\u00ff' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        return escaped.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c < ' ' || c is >= '\u007f' and <= '\u009f' || c is '\u2028' or '\u2029' || c is >= '\u202a' and <= '\u202e' || c is >= '\u2066' and <= '\u2069';
}
