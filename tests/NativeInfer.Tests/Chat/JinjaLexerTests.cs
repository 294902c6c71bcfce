using System.Text;
using NativeInfer.Chat;

namespace NativeInfer.Tests.Chat;

/// <summary>
/// The whitespace rules of <see cref="JinjaLexer"/>: what text Jinja outputs around tags in transformers'
/// environment (trim_blocks, lstrip_blocks). The templates print only string literals and use statements that
/// output nothing, so the expected string is the whole rendering; each was worked out by hand from the rules and
/// checked against jinja2 3.1.6 rendering the same template with ImmutableSandboxedEnvironment(trim_blocks=True,
/// lstrip_blocks=True).
/// </summary>
public class JinjaLexerTests
{
    private static List<JinjaSegment> Lex(string template)
    {
        Assert.That(JinjaLexer.TryLex(template, out List<JinjaSegment>? segments, out string? error), Is.True, error);
        return segments!;
    }

    // The output of a template whose expressions are string literals and whose statements print nothing.
    private static string Render(string template)
    {
        var output = new StringBuilder();
        foreach (JinjaSegment segment in Lex(template))
        {
            if (segment.Kind == JinjaSegmentKind.Text) output.Append(segment.Text);
            else if (segment.Kind == JinjaSegmentKind.Expression) output.Append(segment.Tokens.Single(t => t.Kind == JinjaTokenKind.String).Text);
        }
        return output.ToString();
    }

    // trim_blocks: the first line break after a block tag goes, only that one, and only right after the tag.
    [TestCase("{% if true %}\nA\n{% endif %}\nB", "A\nB")]
    [TestCase("{% if true %}\n\nA{% endif %}", "\nA")]
    [TestCase("{% if true %} \nA{% endif %}", " \nA")]
    [TestCase("{{ 'X' }}\nA", "X\nA")]                                        // not after an expression
    [TestCase("{% if true +%}\nA{% endif %}", "\nA")]                         // '+%}' turns it off
    public void TrimBlocks(string template, string output) => Assert.That(Render(template), Is.EqualTo(output));

    // lstrip_blocks: indentation before a block tag goes when nothing else precedes the tag on its line.
    [TestCase("A\n    {% if true %}B{% endif %}", "A\nB")]
    [TestCase("A\n\t \t{% if true %}B{% endif %}", "A\nB")]
    [TestCase("   {% if true %}B{% endif %}", "B")]                             // the template's first line
    [TestCase("{% if true %}\n   {% set v = 1 %}B{% endif %}", "B")]           // a line whose break trim_blocks took
    [TestCase("A\n    {{ 'X' }}", "A\n    X")]                                  // not before an expression
    [TestCase("A  {% if true %}B{% endif %}", "A  B")]                          // text before the tag on its line
    [TestCase("A\n  x {% if true %}B{% endif %}", "A\n  x B")]
    [TestCase("{{ 'X' }}   {% if true %}B{% endif %}", "X   B")]                // an expression before it on the line
    [TestCase("A\n    {%+ if true %}B{% endif %}", "A\n    B")]                // '{%+' turns it off
    [TestCase("A\n\u00a0{% if true %}B{% endif %}", "A\nB")]                  // jinja2 3.1 strips any whitespace, not just spaces and tabs
    public void LstripBlocks(string template, string output) => Assert.That(Render(template), Is.EqualTo(output));

    // '-' after '{%', '{{' or '{#' strips all whitespace before the tag, line breaks included; '-' before the closing
    // delimiter all whitespace after it.
    [TestCase("A  \n  {%- if true -%}  \n  B  {{- 'X' -}}  \n C{% endif %}", "ABXC")]
    [TestCase("A \n {{- 'X' }} \n B", "AX \n B")]
    [TestCase("A \n {{ 'X' -}} \n B", "A \n XB")]
    [TestCase("A\n\n{%- if true %}\n\nB{% endif %}", "A\nB")]                 // then trim_blocks still takes one line break
    [TestCase("{% if true -%}\n\n   {{ 'X' }}{% endif %}", "X")]
    [TestCase("A\u001c{%- if true %}B{% endif %}", "AB")]                      // Python's whitespace includes U+001C
    public void WhitespaceControlSigns(string template, string output) => Assert.That(Render(template), Is.EqualTo(output));

    // Comments output nothing and take part in the block rules.
    [TestCase("A\n  {# note #}\nB", "A\nB")]
    [TestCase("A {# note #} B", "A  B")]
    [TestCase("A\n{#- note -#}\nB", "AB")]
    [TestCase("{# note +#}\nB", "\nB")]
    [TestCase("A{# a comment with {{ 'X' }} and {% if %} inside #}B", "AB")]
    [TestCase("A{#", "A")]                                                      // jinja2 reads this as an empty comment
    public void Comments(string template, string output) => Assert.That(Render(template), Is.EqualTo(output));

    // \r\n and \r read as \n; one line break at the end of the template is dropped (keep_trailing_newline=False).
    [TestCase("A\r\nB{{ 'X' }}\r\n", "A\nBX")]
    [TestCase("A\rB", "A\nB")]
    [TestCase("A\n\n", "A\n")]
    [TestCase("{{ 'X\r\nY' }}", "X\nY")]                                        // also inside literals
    public void LineBreaks(string template, string output) => Assert.That(Render(template), Is.EqualTo(output));

    [Test]
    public void Segments_TextBetweenTagsIsOneSegment_TagsKeepTheirTokens()
    {
        List<JinjaSegment> segments = Lex("A {# c #} B{{- x.y + 'z\\n' -}}  {%- if a[0] == 1 %}\n");
        Assert.That(segments.Select(s => s.Kind), Is.EqualTo(new[] { JinjaSegmentKind.Text, JinjaSegmentKind.Expression, JinjaSegmentKind.Statement }));
        Assert.That(segments[0].Text, Is.EqualTo("A  B"));
        Assert.That(segments[1].Tokens, Is.EqualTo(new JinjaToken[]
        {
            new(JinjaTokenKind.Word, "x"), new(JinjaTokenKind.Operator, "."), new(JinjaTokenKind.Word, "y"),
            new(JinjaTokenKind.Operator, "+"), new(JinjaTokenKind.String, "z\n"),
        }));
        Assert.That(segments[2].Tokens.Select(t => t.Text), Is.EqualTo(new[] { "if", "a", "[", "0", "]", "==", "1" }));
    }

    [Test]
    public void Tags_EndOnlyWhenBracketsAreClosed()
    {
        // "}}" inside a dict literal closes the dict, as jinja2 reads it; the tag ends at the next "}}".
        List<JinjaSegment> segments = Lex("{{ {'a': {'b': 'X'}}['a']['b'] }}!");
        Assert.That(segments.Select(s => s.Kind), Is.EqualTo(new[] { JinjaSegmentKind.Expression, JinjaSegmentKind.Text }));
        Assert.That(segments[1].Text, Is.EqualTo("!"));
    }

    // Literals decode as jinja2's do (Python's unicode-escape); numbers are read as jinja2 reads them ("7x" is 7 and x).
    [TestCase(@"{{ 'a\nb\t\\\'""' }}", "a\nb\t\\'\"")]
    [TestCase(@"{{ ""\x41\u00e9\U0001F600\101"" }}", "Aé\U0001F600A")]
    [TestCase(@"{{ 'a\qb' }}", @"a\qb")]                                        // an unknown escape is kept
    [TestCase("{{ 'a\\\nb' }}", "ab")]                                           // backslash-newline joins lines
    [TestCase(@"{{ '\é' }}", @"\xe9")]                                          // backslash before a non-ASCII character
    public void StringLiterals(string template, string value) => Assert.That(Render(template), Is.EqualTo(value));

    [TestCase("{{ 7x }}", new[] { "7", "x" })]
    [TestCase("{{ 1.5e3 }}", new[] { "1.5e3" })]
    [TestCase("{{ 0x1F }}", new[] { "0x1F" })]
    [TestCase("{{ x.1 }}", new[] { "x", ".", "1" })]
    [TestCase("{{ a//b**c }}", new[] { "a", "//", "b", "**", "c" })]
    public void Numbers_AndOperators(string template, string[] tokens)
    {
        Assert.That(Lex(template).Single().Tokens.Select(t => t.Text), Is.EqualTo(tokens));
    }
}
