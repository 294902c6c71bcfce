using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace NativeInfer.Chat;

/// <summary>
/// A spelling-independent form of a Jinja chat template, so that detection compares what a template
/// does rather than how it is laid out. Two templates get the same form when they differ only in:
/// <list type="bullet">
/// <item>layout that Jinja does not output: whitespace inside tags (<c>{{ x }}</c> vs <c>{{x}}</c>), and whitespace
/// between tags that the whitespace-control signs (<c>{%-</c>, <c>-%}</c>, …), trim_blocks or lstrip_blocks remove
/// (<see cref="JinjaLexer"/>: the rules of Hugging Face's <c>apply_chat_template</c>). Text that Jinja outputs is kept
/// verbatim, whitespace included: a line break after <c>}}</c> is part of the prompt;</item>
/// <item>comments <c>{# … #}</c>;</item>
/// <item>quoting and escapes: <c>'\n'</c> (backslash-n) and a quoted real line break are the same string,
/// as are <c>'a'</c> and <c>"a"</c> (GGUF converters and JSON round-trips produce both);</item>
/// <item>subscripts by a constant name: <c>message['role']</c> = <c>message["role"]</c> = <c>message.role</c>;</item>
/// <item>concatenated literals: <c>'&lt;|im_end|&gt;' + '\n'</c> = <c>'&lt;|im_end|&gt;\n'</c> (also with <c>~</c>);</item>
/// <item>the no-op preamble <c>{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}</c>
/// (a renderer always receives the flag).</item>
/// </list>
/// Whitespace inside string literals is kept as well (<c>' [INST] '</c> vs <c>'[INST] '</c> are different templates).
/// This is a lexer, not a parser: tags it does not understand are kept token by token, so an unusual template
/// simply fails to match; one jinja2 could not even lex has no canonical form.
/// </summary>
internal static class JinjaCanonicalForm
{
    private const string NoOpPreamble = "{%if not add_generation_prompt is defined%}{%set add_generation_prompt=false%}{%endif%}";

    /// <summary>The canonical form of a template known to be valid (the registry's).</summary>
    /// <exception cref="ArgumentException">jinja2 could not lex <paramref name="template"/>.</exception>
    public static string Of(string template)
    {
        if (TryOf(template, out string? canonical, out string? error)) return canonical;
        throw new ArgumentException($"not a Jinja template this lexer reads: {error}", nameof(template));
    }

    /// <summary>The canonical form, or false and why the template cannot be read (an error jinja2 would also report, or <c>{% raw %}</c>).</summary>
    public static bool TryOf(string template, [NotNullWhen(true)] out string? canonical, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(template);
        canonical = null;
        if (!JinjaLexer.TryLex(template, out List<JinjaSegment>? segments, out error)) return false;

        var output = new StringBuilder(template.Length);
        foreach (JinjaSegment segment in segments)
        {
            switch (segment.Kind)
            {
                case JinjaSegmentKind.Text:
                    EmitText(segment.Text, output);
                    break;
                case JinjaSegmentKind.Expression:
                    output.Append("{{");
                    Emit(Fold(segment.Tokens), output);
                    output.Append("}}");
                    break;
                default:
                    output.Append("{%");
                    Emit(Fold(segment.Tokens), output);
                    output.Append("%}");
                    break;
            }
        }
        canonical = output.Replace(NoOpPreamble, "").ToString();
        return true;
    }

    // Output text as is, with the braces and backslashes escaped: an unescaped brace in the canonical form always
    // belongs to a tag, so text can never be read as one.
    private static void EmitText(string text, StringBuilder output)
    {
        foreach (char c in text)
        {
            if (c is '\\' or '{' or '}') output.Append('\\');
            output.Append(c);
        }
    }

    // x['name'] → x.name, then 'a' + 'b' → 'ab'.
    private static List<JinjaToken> Fold(IReadOnlyList<JinjaToken> tokens)
    {
        var subscripts = new List<JinjaToken>(tokens.Count);
        for (int k = 0; k < tokens.Count; k++)
        {
            if (IsOperator(tokens, k, "[") && k + 2 < tokens.Count && tokens[k + 1].Kind == JinjaTokenKind.String
                && IsIdentifier(tokens[k + 1].Text) && IsOperator(tokens, k + 2, "]") && k > 0)
            {
                subscripts.Add(new JinjaToken(JinjaTokenKind.Operator, "."));
                subscripts.Add(new JinjaToken(JinjaTokenKind.Word, tokens[k + 1].Text));
                k += 2;
            }
            else
            {
                subscripts.Add(tokens[k]);
            }
        }

        var folded = new List<JinjaToken>(subscripts.Count);
        for (int k = 0; k < subscripts.Count; k++)
        {
            JinjaToken token = subscripts[k];
            // Only runs of literals fold, and not when the first is bound tighter to its left (2 * 'a' + 'b').
            if (token.Kind == JinjaTokenKind.String && !BindsTighterThanPlus(subscripts, k - 1))
            {
                var text = new StringBuilder(token.Text);
                while (k + 2 < subscripts.Count && (IsOperator(subscripts, k + 1, "+") || IsOperator(subscripts, k + 1, "~"))
                       && subscripts[k + 2].Kind == JinjaTokenKind.String && !IsPostfixed(subscripts, k + 3))
                {
                    text.Append(subscripts[k + 2].Text);
                    k += 2;
                }
                token = new JinjaToken(JinjaTokenKind.String, text.ToString());
            }
            folded.Add(token);
        }
        return folded;
    }

    private static bool BindsTighterThanPlus(List<JinjaToken> tokens, int k) =>
        k >= 0 && tokens[k].Kind == JinjaTokenKind.Operator && tokens[k].Text is "*" or "/" or "//" or "%" or "**";

    // 'a' + 'b'.upper(), 'a' + 'b'|trim, 'a' + 'b' * 2 must not fold: something binds to the second literal first.
    private static bool IsPostfixed(List<JinjaToken> tokens, int k) =>
        k < tokens.Count && tokens[k].Kind == JinjaTokenKind.Operator && tokens[k].Text is "." or "|" or "[" or "(" or "*" or "/" or "//" or "%" or "**";

    private static bool IsOperator(IReadOnlyList<JinjaToken> tokens, int k, string text) =>
        k >= 0 && k < tokens.Count && tokens[k].Kind == JinjaTokenKind.Operator && tokens[k].Text == text;

    private static bool IsIdentifier(string s) =>
        s.Length > 0 && !char.IsAsciiDigit(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static void Emit(List<JinjaToken> tokens, StringBuilder output)
    {
        for (int k = 0; k < tokens.Count; k++)
        {
            JinjaToken token = tokens[k];
            switch (token.Kind)
            {
                case JinjaTokenKind.Word:
                    // Keep words apart ("not loop.first", "is defined"); operators need no separator.
                    if (k > 0 && tokens[k - 1].Kind == JinjaTokenKind.Word) output.Append(' ');
                    output.Append(token.Text);
                    break;
                case JinjaTokenKind.Operator:
                    // ... except two that would read as one ("= =" is not "==").
                    if (k > 0 && tokens[k - 1].Kind == JinjaTokenKind.Operator && tokens[k - 1].Text.Length == 1 && token.Text.Length == 1
                        && (tokens[k - 1].Text + token.Text) is "//" or "**" or "==" or "!=" or ">=" or "<=")
                        output.Append(' ');
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
}
