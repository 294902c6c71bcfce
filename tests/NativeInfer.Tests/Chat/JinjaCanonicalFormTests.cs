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
    public void Of_DifferentTemplates_StayDifferent(string a, string b)
    {
        Assert.That(C(a), Is.Not.EqualTo(C(b)));
    }

    [Test]
    public void Of_RawTextBetweenTags_KeepsItsNonSpaceCharacters()
    {
        Assert.That(C("[gMASK]sop {{ x }}\n  <|assistant|>"), Is.EqualTo("[gMASK]sop{{x}}<|assistant|>"));
    }

    [Test]
    public void Of_UnterminatedTagsAndStrings_DoNotThrow()
    {
        Assert.DoesNotThrow(() => C("{{ 'abc"));
        Assert.DoesNotThrow(() => C("{% if x"));
        Assert.DoesNotThrow(() => C("{# open comment"));
        Assert.DoesNotThrow(() => C("{{ '\\"));
        Assert.DoesNotThrow(() => C("{{ '\\u12' }}"));
        Assert.That(C(""), Is.EqualTo(""));
    }
}
