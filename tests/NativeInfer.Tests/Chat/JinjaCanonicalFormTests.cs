using NativeInfer.Chat;

namespace NativeInfer.Tests.Chat;

/// <summary>What the canonical form treats as the same template, and what it keeps apart.</summary>
public class JinjaCanonicalFormTests
{
    private static string C(string jinja) => JinjaCanonicalForm.Of(jinja);

    [Test]
    public void Of_SimpleTemplate_HasTheExpectedSpelling()
    {
        Assert.That(C("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' }}{% endfor %}"),
            Is.EqualTo(@"{%for message in messages%}{{'<|im_start|>'+message.role+'\n'}}{%endfor%}"));
    }

    [TestCase("{{ 'a\\nb' }}", "{{ 'a\nb' }}")]                 // escape vs a real line break in the quotes
    [TestCase("{{ \"a'b\" }}", "{{ 'a\\'b' }}")]                 // quote style
    [TestCase("{{ 'x\\u00e9' }}", "{{ 'xé' }}")]                 // \u escapes
    [TestCase("{{ message['content'] }}", "{{ message.content }}")]
    [TestCase("{{ message[\"content\"] }}", "{{message.content}}")]
    [TestCase("{{ '<|im_end|>' + '\\n' }}", "{{ '<|im_end|>\\n' }}")]
    [TestCase("{{ 'a' ~ 'b' ~ 'c' }}", "{{ 'abc' }}")]
    [TestCase("{%- if x -%}\n    {{- y -}}\n{%- endif -%}", "{% if x %}{{ y }}{% endif %}")]
    [TestCase("{# a comment #}{{ y }}", "{{ y }}")]
    [TestCase("{% if x %}\n{{ y }}\n{% endif %}", "{% if x %}{{ y }}\n{% endif %}")]       // trim_blocks takes the first line break
    [TestCase("{% if x %}\n    {% set a = 1 %}\n{% endif %}", "{% if x %}{% set a = 1 %}{% endif %}")] // lstrip_blocks the indentation
    [TestCase("{{ y }}\n", "{{ y }}")]                                                    // jinja2 drops the last line break
    [TestCase("{{ y }}\r\n{{ z }}", "{{ y }}\n{{ z }}")]
    [TestCase("{{ y }}\n  {#- note #}{{ z }}", "{{ y }}{{ z }}")]
    [TestCase("{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{{ y }}", "{{ y }}")]
    public void Of_EquivalentSpellings_AreEqual(string a, string b)
    {
        Assert.That(C(a), Is.EqualTo(C(b)));
    }

    [TestCase("{{ ' [INST] ' }}", "{{ '[INST] ' }}")]           // whitespace inside literals is output
    [TestCase("{{ 'Assistant:' }}", "{{ 'Assistant: ' }}")]
    [TestCase("{{ message['content'] | trim }}", "{{ message['content'] }}")]
    [TestCase("{{ 'a' + 'b' | trim }}", "{{ 'ab' | trim }}")]    // the filter binds to 'b' only
    [TestCase("{{ 'a' + 'b' * 2 }}", "{{ 'ab' * 2 }}")]
    [TestCase("{{ 2 * 'a' + 'b' }}", "{{ 2 * 'ab' }}")]
    [TestCase("{{ 'a' + 'b'.strip() }}", "{{ 'ab'.strip() }}")]
    [TestCase("{{ messages[0] }}", "{{ messages.0 }}")]          // only constant names become attributes
    [TestCase("{% if not loop.first %}", "{% if notloop.first %}")]
    [TestCase("{% if a == b %}", "{% if a = = b %}")]
    [TestCase("{{ y }}\n{{ z }}", "{{ y }}{{ z }}")]            // text after '}}' is output: no trim_blocks for expressions
    [TestCase("  {{ y }}", "{{ y }}")]                          // nor lstrip_blocks
    [TestCase("\n{{ y }}", "{{ y }}")]
    [TestCase("{{ y }}\n\n", "{{ y }}")]                       // only one final line break is dropped
    [TestCase("{% if x %}\n\n{% endif %}", "{% if x %}{% endif %}")] // trim_blocks takes one line break
    [TestCase("{% if x +%}\n{% endif %}", "{% if x %}{% endif %}")]
    [TestCase("\n  {%+ if x %}{% endif %}", "\n{% if x %}{% endif %}")]
    [TestCase("a  {% if x %}{% endif %}", "a{% if x %}{% endif %}")] // text before the tag on its line: no lstrip
    [TestCase("{{ 'a' }}b", "{{ 'ab' }}")]                       // the same output, but text is not folded into literals
    public void Of_DifferentTemplates_StayDifferent(string a, string b)
    {
        Assert.That(C(a), Is.Not.EqualTo(C(b)));
    }

    [Test]
    public void Of_RawTextBetweenTags_IsKeptVerbatim()
    {
        // Text outside tags is output, whitespace included: '}}' does not trim the line break after it.
        Assert.That(C("[gMASK]sop {{ x }}\n  <|assistant|>"), Is.EqualTo("[gMASK]sop {{x}}\n  <|assistant|>"));
        // Braces in text are escaped, so text can never read as a tag.
        Assert.That(C("a { b } \\ {{ x }}"), Is.EqualTo(@"a \{ b \} \\ {{x}}"));
    }

    [TestCase("{{ 'abc", "the string is not closed (line 1, column 4)")]
    [TestCase("{% if x", "the tag is not closed with '%}' (line 1, column 1)")]
    [TestCase("a\n{# open comment", "the comment is not closed with '#}' (line 2, column 1)")]
    [TestCase("{{ '\\", "the string is not closed (line 1, column 4)")]
    [TestCase("{{ '\\u12' }}", "invalid '\\u' escape in a string (line 1, column 4)")]
    [TestCase("{{ x ] }}", "unexpected ']' (line 1, column 6)")]
    [TestCase("{{ x @ y }}", "unexpected character '@' (U+0040) in a tag (line 1, column 6)")]
    [TestCase("{% raw %}{{ x }}{% endraw %}", "'{% raw %}' is not supported (line 1, column 1)")]
    public void TryOf_WhatJinjaCannotLex_IsRefusedWithWhatAndWhere(string jinja, string error)
    {
        // Each of these is a TemplateSyntaxError in jinja2 3.1.6, except {% raw %}, which this lexer does not implement.
        Assert.That(JinjaCanonicalForm.TryOf(jinja, out string? canonical, out string? why), Is.False);
        Assert.That(canonical, Is.Null);
        Assert.That(why, Is.EqualTo(error));
        Assert.Throws<ArgumentException>(() => C(jinja));
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplates.Detect(jinja))!;
        Assert.That(e.Message, Does.Contain("It cannot be read as Jinja: " + error));
    }

    [Test]
    public void Of_EmptyTemplate_IsEmpty()
    {
        Assert.That(C(""), Is.EqualTo(""));
        Assert.That(C("\n"), Is.EqualTo(""), "jinja2 drops one line break at the end of a template");
    }
}
