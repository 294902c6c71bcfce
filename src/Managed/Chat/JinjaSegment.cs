namespace NativeInfer.Chat;

/// <summary>What a piece of a Jinja template is.</summary>
internal enum JinjaSegmentKind
{
    /// <summary>Text outside tags, output as it stands (after the whitespace rules: <see cref="JinjaLexer"/>).</summary>
    Text,

    /// <summary>A <c>{{ … }}</c> tag: an expression whose value is output.</summary>
    Expression,

    /// <summary>A <c>{% … %}</c> tag: a statement (if, for, set, …).</summary>
    Statement,
}

/// <summary>A token inside a tag.</summary>
internal enum JinjaTokenKind
{
    /// <summary>A name, keyword or number (<c>message</c>, <c>not</c>, <c>0</c>).</summary>
    Word,

    /// <summary>An operator or bracket (<c>+</c>, <c>==</c>, <c>[</c>).</summary>
    Operator,

    /// <summary>A string literal; <see cref="JinjaToken.Text"/> is its value, escapes decoded.</summary>
    String,
}

internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Text);

/// <summary>
/// One piece of a template: for <see cref="JinjaSegmentKind.Text"/>, <see cref="Text"/> is exactly what Jinja
/// outputs for it; for a tag, <see cref="Tokens"/> is its inside, without delimiters and whitespace-control signs.
/// </summary>
internal sealed record JinjaSegment(JinjaSegmentKind Kind, string Text, IReadOnlyList<JinjaToken> Tokens)
{
    public static JinjaSegment OfText(string text) => new(JinjaSegmentKind.Text, text, []);
}
