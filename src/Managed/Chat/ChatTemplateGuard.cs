namespace NativeInfer.Chat;

/// <summary>Argument checks, and the Python string methods the templates call, shared by the renderers.</summary>
internal static class ChatTemplateGuard
{
    public static void CheckMessages(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (int i = 0; i < messages.Count; i++)
            if (messages[i] is null) throw new ArgumentException($"message {i} is null", nameof(messages));
    }

    /// <summary>
    /// Python's <c>str.strip()</c>, which Jinja's <c>trim</c> filter calls: .NET's whitespace plus
    /// U+001C–U+001F, which Python counts as whitespace (bidirectional class B/S) and .NET does not.
    /// </summary>
    public static string PythonStrip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsPythonSpace(s[start])) start++;
        while (end > start && IsPythonSpace(s[end - 1])) end--;
        return start == 0 && end == s.Length ? s : s[start..end];
    }

    /// <summary>
    /// Python's <c>str.isspace()</c> for one character, which is also what <c>\s</c> matches in Python's <c>re</c>
    /// (Jinja's lexer): .NET's <see cref="char.IsWhiteSpace(char)"/> plus U+001C–U+001F.
    /// </summary>
    public static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    /// <summary>
    /// Python's <c>s.split(separator)[-1]</c>: what follows the last <paramref name="separator"/>, or all of <paramref name="s"/>.
    /// (Equal to Python's only for separators that cannot overlap themselves, such as the tags the templates split on.)
    /// </summary>
    public static string PythonSplitLast(string s, string separator)
    {
        int at = s.LastIndexOf(separator, StringComparison.Ordinal);
        return at < 0 ? s : s[(at + separator.Length)..];
    }

    /// <summary>Python's <c>s.split(separator)[0]</c>: what precedes the first <paramref name="separator"/>, or all of <paramref name="s"/>.</summary>
    public static string PythonSplitFirst(string s, string separator)
    {
        int at = s.IndexOf(separator, StringComparison.Ordinal);
        return at < 0 ? s : s[..at];
    }
}
