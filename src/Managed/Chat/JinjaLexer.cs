using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NativeInfer.Chat;

/// <summary>
/// Splits a Jinja template into the text it outputs and its tags, with the whitespace rules of the environment
/// Hugging Face transformers renders chat templates in (<c>apply_chat_template</c>: jinja2 with
/// <c>trim_blocks=True</c>, <c>lstrip_blocks=True</c>, <c>keep_trailing_newline=False</c>). Text outside tags is
/// output, so its whitespace counts; what the rules remove is not part of a text segment:
/// <list type="bullet">
/// <item>line breaks: <c>\r\n</c> and <c>\r</c> read as <c>\n</c>, and one line break at the very end of the template is dropped;</item>
/// <item><c>{%-</c>, <c>{{-</c>, <c>{#-</c> remove all whitespace before the tag; <c>-%}</c>, <c>-}}</c>, <c>-#}</c> all whitespace after it;</item>
/// <item>trim_blocks: the first line break right after <c>%}</c> or <c>#}</c> (not <c>}}</c>, not <c>+%}</c>) is removed;</item>
/// <item>lstrip_blocks: whitespace between the start of a line and <c>{%</c> or <c>{#</c> (not <c>{{</c>, not <c>{%+</c>) is
/// removed when nothing else precedes the tag on that line;</item>
/// <item>comments output nothing but follow the block rules above.</item>
/// </list>
/// This follows jinja2's lexer (3.1.6) rule by rule, including that "whitespace" is Python's (<c>str.isspace</c>),
/// and that lstrip_blocks removes any such whitespace (jinja2's documentation says spaces and tabs; its code strips
/// any whitespace-only run). Inside tags it reads names, numbers, operators and string literals (escapes decoded as
/// jinja2 does) and keeps brackets balanced, as jinja2 does to find where a tag ends. What jinja2's lexer would
/// reject (an unclosed tag, comment or string, an unexpected character or bracket) is an error here too; so is
/// <c>{% raw %}</c>, which this lexer does not implement. It does not parse: a template whose tags are not valid
/// statements still lexes.
/// </summary>
internal static class JinjaLexer
{
    /// <summary>The template's segments, or false and what is wrong with it, and where.</summary>
    public static bool TryLex(string template, [NotNullWhen(true)] out List<JinjaSegment>? segments, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(template);
        var lexer = new Scanner(NormalizeLineBreaks(template));
        if (lexer.Lex()) { segments = lexer.Segments; error = null; return true; }
        segments = null;
        error = lexer.Error!;
        return false;
    }

    // jinja2 reads \r\n, \r and \n as one line break and, without keep_trailing_newline, drops one at the end.
    private static string NormalizeLineBreaks(string template)
    {
        string s = template.Contains('\r') ? template.Replace("\r\n", "\n").Replace('\r', '\n') : template;
        return s.EndsWith('\n') ? s[..^1] : s;
    }

    private static bool IsSpace(char c) => ChatTemplateGuard.IsPythonSpace(c);

    // jinja2's number literals (it tries a float, then an integer, then a name: "7x" is 7 and x). A digit always
    // starts one of them: the integer pattern's last alternatives match any digit.
    private static readonly Regex FloatLiteral = new(@"\G(?<!\.)(\d+_)*\d+((\.(\d+_)*\d+)?e[+\-]?(\d+_)*\d+|\.(\d+_)*\d+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex IntegerLiteral = new(@"\G(0b(_?[0-1])+|0o(_?[0-7])+|0x(_?[\da-f])+|[1-9](_?\d)*|0(_?0)*)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    // jinja2's operators, the two-character ones first (it matches the longest).
    private static readonly string[] TwoCharacterOperators = ["//", "**", "==", "!=", ">=", "<="];
    private const string OneCharacterOperators = "+-/*%~[](){}><=.:|,;";

    private sealed class Scanner(string s)
    {
        private readonly StringBuilder _text = new();
        private int _pos;
        // Whether the last thing read ended a line: lstrip_blocks then also applies to text before the first line break.
        private bool _lineStarting = true;

        public List<JinjaSegment> Segments { get; } = [];

        public string? Error { get; private set; }

        public bool Lex()
        {
            while (true)
            {
                int start = NextTagStart(_pos);
                if (start < 0)
                {
                    _text.Append(s, _pos, s.Length - _pos);
                    FlushText();
                    return true;
                }

                char kind = s[start + 1];
                int inside = start + 2;
                char sign = inside < s.Length && s[inside] is '-' or '+' ? s[inside] : '\0';
                if (kind == '%' && IsRawBlock(start))
                    return Fail(start, "'{% raw %}' is not supported");

                string text = s[_pos..start];
                if (sign == '-')
                    text = text[..LengthWithoutTrailingSpace(text)];
                else if (sign != '+' && kind != '{')
                    text = StripLineIndent(text);
                _text.Append(text);

                _pos = sign == '\0' ? inside : inside + 1;
                bool ok = kind switch
                {
                    '#' => SkipComment(start),
                    '{' => ReadTag(start, JinjaSegmentKind.Expression),
                    _ => ReadTag(start, JinjaSegmentKind.Statement),
                };
                if (!ok) return false;
            }
        }

        // The first "{{", "{%" or "{#" at or after from, or -1.
        private int NextTagStart(int from)
        {
            for (int i = s.IndexOf('{', from); i >= 0 && i + 1 < s.Length; i = s.IndexOf('{', i + 1))
                if (s[i + 1] is '{' or '%' or '#') return i;
            return -1;
        }

        // lstrip_blocks: the text's last line, when it is whitespace only and starts a line, goes.
        private string StripLineIndent(string text)
        {
            int lineStart = text.LastIndexOf('\n') + 1;
            if ((lineStart > 0 || _lineStarting) && lineStart < text.Length && AllSpace(text, lineStart))
                return text[..lineStart];
            return text;
        }

        private static int LengthWithoutTrailingSpace(string text)
        {
            int end = text.Length;
            while (end > 0 && IsSpace(text[end - 1])) end--;
            return end;
        }

        private static bool AllSpace(string text, int from)
        {
            for (int i = from; i < text.Length; i++)
                if (!IsSpace(text[i])) return false;
            return true;
        }

        // {%[-+]?\s*raw\s*(-%}|%}) at start.
        private bool IsRawBlock(int start)
        {
            int i = start + 2;
            if (i < s.Length && s[i] is '-' or '+') i++;
            while (i < s.Length && IsSpace(s[i])) i++;
            if (!At(i, "raw")) return false;
            i += 3;
            while (i < s.Length && IsSpace(s[i])) i++;
            return At(i, "%}") || At(i, "-%}");
        }

        // A comment ends at the first "#}"; "-#}" strips whitespace after it, "+#}" keeps the line break trim_blocks removes.
        private bool SkipComment(int start)
        {
            if (_pos == s.Length) return true; // jinja2 reads "{#" as the template's last characters as an empty comment
            int close = s.IndexOf("#}", _pos, StringComparison.Ordinal);
            if (close < 0) return Fail(start, "the comment is not closed with '#}'");
            char sign = close > _pos ? s[close - 1] : '\0';
            _pos = close + 2;
            EndTag(sign);
            return true;
        }

        // What follows a tag's closing delimiter: sign is the character before it ('-', '+' or another).
        private void EndTag(char sign)
        {
            if (sign == '-')
            {
                int from = _pos;
                while (_pos < s.Length && IsSpace(s[_pos])) _pos++;
                _lineStarting = _pos > from && s[_pos - 1] == '\n';
            }
            else if (sign == '+')
            {
                _lineStarting = false;
            }
            else
            {
                _lineStarting = _pos < s.Length && s[_pos] == '\n';
                if (_lineStarting) _pos++;
            }
        }

        // The tokens of a {{ … }} or {% … %} tag; brackets must balance before the closing delimiter counts.
        private bool ReadTag(int start, JinjaSegmentKind kind)
        {
            var tokens = new List<JinjaToken>();
            var open = new Stack<char>();
            while (true)
            {
                if (_pos >= s.Length)
                    return Fail(start, $"the tag is not closed with '{(kind == JinjaSegmentKind.Statement ? "%}" : "}}")}'");
                if (open.Count == 0 && TryClose(kind)) break;

                char c = s[_pos];
                if (IsSpace(c))
                {
                    _pos++;
                }
                else if (c is '\'' or '"')
                {
                    int at = _pos;
                    if (!TryReadString(out string? value, out string? why)) return Fail(at, why);
                    tokens.Add(new JinjaToken(JinjaTokenKind.String, value));
                }
                else if (char.IsAsciiDigit(c))
                {
                    Match number = FloatLiteral.Match(s, _pos) is { Success: true } f ? f : IntegerLiteral.Match(s, _pos);
                    tokens.Add(new JinjaToken(JinjaTokenKind.Word, number.Value));
                    _pos += number.Length;
                }
                else if (char.IsAsciiLetter(c) || c == '_')
                {
                    int from = _pos;
                    while (_pos < s.Length && (char.IsAsciiLetterOrDigit(s[_pos]) || s[_pos] == '_')) _pos++;
                    tokens.Add(new JinjaToken(JinjaTokenKind.Word, s[from.._pos]));
                }
                else if (TwoCharacterOperators.FirstOrDefault(op => At(_pos, op)) is { } twoChars)
                {
                    tokens.Add(new JinjaToken(JinjaTokenKind.Operator, twoChars));
                    _pos += 2;
                }
                else if (OneCharacterOperators.Contains(c))
                {
                    if (c is '(' or '[' or '{') open.Push(c switch { '(' => ')', '[' => ']', _ => '}' });
                    else if (c is ')' or ']' or '}' && (open.Count == 0 || open.Pop() != c)) return Fail(_pos, $"unexpected '{c}'");
                    tokens.Add(new JinjaToken(JinjaTokenKind.Operator, c.ToString()));
                    _pos++;
                }
                else
                {
                    return Fail(_pos, $"unexpected character '{c}' (U+{(int)c:X4}) in a tag");
                }
            }
            Segments.Add(new JinjaSegment(kind, "", tokens));
            return true;
        }

        private bool TryClose(JinjaSegmentKind kind)
        {
            string close = kind == JinjaSegmentKind.Statement ? "%}" : "}}";
            char sign;
            if (At(_pos, close)) sign = '\0';
            else if (At(_pos + 1, close) && s[_pos] == '-') sign = '-';
            else if (At(_pos + 1, close) && s[_pos] == '+' && kind == JinjaSegmentKind.Statement) sign = '+'; // "+}}" is an operator and "}}"
            else return false;

            FlushText(); // the text before this tag
            _pos += sign == '\0' ? 2 : 3;
            if (kind == JinjaSegmentKind.Expression && sign == '\0') _lineStarting = false; // trim_blocks is for blocks only
            else EndTag(sign);
            return true;
        }

        // A quoted literal at _pos, decoded as jinja2 does: Python's unicode-escape over the text with non-ASCII
        // characters written as \x, \u or \U escapes first.
        private bool TryReadString([NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? error)
        {
            char quote = s[_pos];
            var v = new StringBuilder();
            int i = _pos + 1;
            while (i < s.Length && s[i] != quote)
            {
                if (s[i] != '\\')
                {
                    v.Append(s[i++]);
                    continue;
                }
                if (i + 1 >= s.Length) { i = s.Length; break; } // a backslash as the last character escapes no quote
                char e = s[i + 1];
                i += 2;
                switch (e)
                {
                    case '\n': break; // a backslash before a line break joins the lines
                    case '\\' or '\'' or '"': v.Append(e); break;
                    case 'a': v.Append('\a'); break;
                    case 'b': v.Append('\b'); break;
                    case 'f': v.Append('\f'); break;
                    case 'n': v.Append('\n'); break;
                    case 'r': v.Append('\r'); break;
                    case 't': v.Append('\t'); break;
                    case 'v': v.Append('\v'); break;
                    case >= '0' and <= '7':
                        int octal = e - '0';
                        for (int n = 0; n < 2 && i < s.Length && s[i] is >= '0' and <= '7'; n++) octal = octal * 8 + (s[i++] - '0');
                        v.Append((char)octal);
                        break;
                    case 'x' or 'u' or 'U':
                        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                        if (!TryHex(i, digits, out int code) || code > 0x10FFFF)
                        {
                            value = null;
                            error = $"invalid '\\{e}' escape in a string";
                            return false;
                        }
                        v.Append(code <= 0xFFFF ? ((char)code).ToString() : char.ConvertFromUtf32(code));
                        i += digits;
                        break;
                    case 'N':
                        value = null;
                        error = "'\\N{…}' escapes are not supported";
                        return false;
                    case > '\u007F':
                        // The escape form of a non-ASCII character, whose own backslash this one escapes: '\é' is "\xe9".
                        int codePoint = char.IsHighSurrogate(e) && i < s.Length && char.IsLowSurrogate(s[i]) ? char.ConvertToUtf32(e, s[i++]) : e;
                        v.Append('\\').Append(codePoint <= 0xFF ? $"x{codePoint:x2}" : codePoint <= 0xFFFF ? $"u{codePoint:x4}" : $"U{codePoint:x8}");
                        break;
                    default:
                        v.Append('\\').Append(e); // Python keeps an unknown escape as written
                        break;
                }
            }
            if (i >= s.Length)
            {
                value = null;
                error = "the string is not closed";
                return false;
            }
            _pos = i + 1;
            value = v.ToString();
            error = null;
            return true;
        }

        private bool TryHex(int at, int digits, out int code)
        {
            code = 0;
            return at + digits <= s.Length && s.AsSpan(at, digits).IndexOfAnyExcept("0123456789abcdefABCDEF") < 0
                   && int.TryParse(s.AsSpan(at, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code) && code >= 0;
        }

        // Text is collected across comments, so a text segment is everything output between two tags.
        private void FlushText()
        {
            if (_text.Length == 0) return;
            Segments.Add(JinjaSegment.OfText(_text.ToString()));
            _text.Clear();
        }

        private bool Fail(int at, string what)
        {
            int line = 1, column = 1;
            for (int i = 0; i < at && i < s.Length; i++)
            {
                if (s[i] == '\n') { line++; column = 1; }
                else column++;
            }
            Error = $"{what} (line {line}, column {column})";
            return false;
        }

        private bool At(int i, string what) => i >= 0 && i + what.Length <= s.Length && string.CompareOrdinal(s, i, what, 0, what.Length) == 0;
    }
}
