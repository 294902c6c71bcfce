using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// A spelling-independent form of a Jinja chat template, so that detection compares what a template
/// does rather than how it is laid out. Two templates that differ only in the ways below get the same form:
/// <list type="bullet">
/// <item>whitespace outside string literals (indentation, line breaks, <c>{{ x }}</c> vs <c>{{x}}</c>), and
/// the whitespace-control markers <c>{%-</c>, <c>-%}</c>, <c>{{-</c>, <c>-}}</c> (with it gone there is nothing to strip);</item>
/// <item>comments <c>{# … #}</c>;</item>
/// <item>quoting and escapes: <c>'\n'</c> (backslash-n) and a quoted real line break are the same string,
/// as are <c>'a'</c> and <c>"a"</c> (GGUF converters and JSON round-trips produce both);</item>
/// <item>subscripts by a constant name: <c>message['role']</c> = <c>message["role"]</c> = <c>message.role</c>;</item>
/// <item>concatenated literals: <c>'&lt;|im_end|&gt;' + '\n'</c> = <c>'&lt;|im_end|&gt;\n'</c> (also with <c>~</c>);</item>
/// <item>the no-op preamble <c>{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}</c>
/// (a renderer always receives the flag).</item>
/// </list>
/// Whitespace inside string literals is kept: it is output (<c>' [INST] '</c> vs <c>'[INST] '</c> are different templates).
/// This is a lexer, not a parser: text it does not understand is kept as is, so an unusual template
/// simply fails to match.
/// </summary>
internal static class JinjaCanonicalForm
{
    private const string NoOpPreamble = "{%if not add_generation_prompt is defined%}{%set add_generation_prompt=false%}{%endif%}";

    public static string Of(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var output = new StringBuilder(template.Length);
        var tokens = new List<Token>();
        int i = 0;
        while (i < template.Length)
        {
            if (At(template, i, "{#"))
            {
                int end = template.IndexOf("#}", i + 2, StringComparison.Ordinal);
                i = end < 0 ? template.Length : end + 2;
            }
            else if (At(template, i, "{{") || At(template, i, "{%"))
            {
                char kind = template[i + 1];
                i = LexTag(template, i + 2, kind == '{' ? "}}" : "%}", tokens);
                output.Append('{').Append(kind);
                Emit(Fold(tokens), output);
                output.Append(kind == '{' ? "}}" : "%}");
            }
            else
            {
                // Raw text between tags: its whitespace is dropped like the rest; anything else is kept.
                if (!char.IsWhiteSpace(template[i])) output.Append(template[i]);
                i++;
            }
        }
        return output.Replace(NoOpPreamble, "").ToString();
    }

    private enum Kind { Word, Punct, Literal }

    private readonly record struct Token(Kind Kind, string Text);

    // Reads the inside of a {{ … }} or {% … %} tag into tokens; returns the index after the closing delimiter.
    private static int LexTag(string t, int i, string close, List<Token> tokens)
    {
        tokens.Clear();
        if (i < t.Length && t[i] is '-' or '+') i++; // whitespace control after the opening delimiter
        while (i < t.Length)
        {
            char c = t[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (At(t, i, close)) return i + 2;
            if (c is '-' or '+' && At(t, i + 1, close)) { i++; continue; } // whitespace control before the closing one
            if (c is '\'' or '"')
            {
                tokens.Add(new Token(Kind.Literal, ReadString(t, ref i)));
                continue;
            }
            if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                int start = i;
                while (i < t.Length && (char.IsAsciiLetterOrDigit(t[i]) || t[i] == '_')) i++;
                tokens.Add(new Token(Kind.Word, t[start..i]));
                continue;
            }
            tokens.Add(new Token(Kind.Punct, c.ToString()));
            i++;
        }
        return i; // unterminated tag: keep what was read
    }

    // A Python-style string literal (Jinja unescapes literals as Python's unicode-escape does); i ends past the quote.
    private static string ReadString(string t, ref int i)
    {
        char quote = t[i++];
        var s = new StringBuilder();
        while (i < t.Length && t[i] != quote)
        {
            if (t[i] == '\\' && i + 1 < t.Length)
            {
                char e = t[i + 1];
                i += 2;
                switch (e)
                {
                    case 'n': s.Append('\n'); break;
                    case 't': s.Append('\t'); break;
                    case 'r': s.Append('\r'); break;
                    case '\\' or '\'' or '"': s.Append(e); break;
                    case 'x' when TryHex(t, i, 2, s): i += 2; break;
                    case 'u' when TryHex(t, i, 4, s): i += 4; break;
                    case 'U' when TryHex(t, i, 8, s): i += 8; break;
                    default: s.Append('\\').Append(e); break; // Python keeps unknown escapes as written
                }
            }
            else
            {
                s.Append(t[i++]);
            }
        }
        i++; // the closing quote
        return s.ToString();
    }

    private static bool TryHex(string t, int i, int digits, StringBuilder s)
    {
        if (i + digits > t.Length || !int.TryParse(t.AsSpan(i, digits), System.Globalization.NumberStyles.AllowHexSpecifier, null, out int code)
            || code > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF)
            return false;
        s.Append(char.ConvertFromUtf32(code));
        return true;
    }

    // x['name'] → x.name, then 'a' + 'b' → 'ab'.
    private static List<Token> Fold(List<Token> tokens)
    {
        var subscripts = new List<Token>(tokens.Count);
        for (int k = 0; k < tokens.Count; k++)
        {
            if (IsPunct(tokens, k, "[") && k + 2 < tokens.Count && tokens[k + 1].Kind == Kind.Literal
                && IsIdentifier(tokens[k + 1].Text) && IsPunct(tokens, k + 2, "]") && k > 0)
            {
                subscripts.Add(new Token(Kind.Punct, "."));
                subscripts.Add(new Token(Kind.Word, tokens[k + 1].Text));
                k += 2;
            }
            else
            {
                subscripts.Add(tokens[k]);
            }
        }

        var folded = new List<Token>(subscripts.Count);
        for (int k = 0; k < subscripts.Count; k++)
        {
            Token token = subscripts[k];
            // Only runs of literals fold, and not when the first is bound tighter to its left (2 * 'a' + 'b').
            if (token.Kind == Kind.Literal && !(IsPunct(subscripts, k - 1, "*") || IsPunct(subscripts, k - 1, "/") || IsPunct(subscripts, k - 1, "%")))
            {
                var text = new StringBuilder(token.Text);
                while (k + 2 < subscripts.Count && (IsPunct(subscripts, k + 1, "+") || IsPunct(subscripts, k + 1, "~"))
                       && subscripts[k + 2].Kind == Kind.Literal && !IsPostfixed(subscripts, k + 3))
                {
                    text.Append(subscripts[k + 2].Text);
                    k += 2;
                }
                token = new Token(Kind.Literal, text.ToString());
            }
            folded.Add(token);
        }
        return folded;
    }

    // 'a' + 'b'.upper(), 'a' + 'b'|trim, 'a' + 'b' * 2 must not fold: something binds to the second literal first.
    private static bool IsPostfixed(List<Token> tokens, int k) =>
        k < tokens.Count && tokens[k].Kind == Kind.Punct && tokens[k].Text is "." or "|" or "[" or "(" or "*" or "/" or "%";

    private static bool IsPunct(List<Token> tokens, int k, string text) =>
        k >= 0 && k < tokens.Count && tokens[k].Kind == Kind.Punct && tokens[k].Text == text;

    private static bool IsIdentifier(string s) =>
        s.Length > 0 && !char.IsAsciiDigit(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static void Emit(List<Token> tokens, StringBuilder output)
    {
        for (int k = 0; k < tokens.Count; k++)
        {
            Token token = tokens[k];
            switch (token.Kind)
            {
                case Kind.Word:
                    // Keep words apart ("not loop.first", "is defined"); punctuation needs no separator.
                    if (k > 0 && tokens[k - 1].Kind == Kind.Word) output.Append(' ');
                    output.Append(token.Text);
                    break;
                case Kind.Punct:
                    output.Append(token.Text);
                    break;
                default:
                    output.Append('\'');
                    foreach (char c in token.Text)
                    {
                        output.Append(c switch
                        {
                            '\\' => @"\\",
                            '\'' => @"\'",
                            '\n' => @"\n",
                            '\r' => @"\r",
                            '\t' => @"\t",
                            _ => c.ToString(),
                        });
                    }
                    output.Append('\'');
                    break;
            }
        }
    }

    private static bool At(string t, int i, string s) => i + s.Length <= t.Length && string.CompareOrdinal(t, i, s, 0, s.Length) == 0;
}
