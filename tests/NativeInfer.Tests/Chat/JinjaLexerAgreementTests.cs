using System.Text.Encodings.Web;
using System.Text.Json;
using NativeInfer.Chat;

namespace NativeInfer.Tests.Chat;

/// <summary>
/// <see cref="JinjaLexer"/> against jinja2's own lexer on 1,500 random templates (Data/jinja2-lexer-cases.json, written
/// by Data/make_jinja2_lexer_cases.py with jinja2 in transformers' settings): whitespace and sign combinations around
/// every kind of tag, malformed tags, and string literals with every kind of escape. Where jinja2 cannot lex a
/// template the lexer must refuse it; elsewhere both must give the same output text between tags and the same tokens.
/// </summary>
public class JinjaLexerAgreementTests
{
    private sealed record Case(string Template, bool Error, JsonElement Segments);

    // Failure messages show text as it is, not as \u escapes.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IReadOnlyList<Case> Cases()
    {
        using Stream stream = typeof(JinjaLexerAgreementTests).Assembly.GetManifestResourceStream("NativeInfer.Tests.jinja2-lexer-cases.json")
                              ?? throw new InvalidOperationException("the embedded jinja2-lexer-cases.json is missing");
        using JsonDocument document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new Case(c.GetProperty("template").GetString()!, c.TryGetProperty("error", out _),
                c.TryGetProperty("segments", out JsonElement s) ? s.Clone() : default))
            .ToList();
    }

    // Both sides in the file's shape, ["Text", text] or [kind, [[tokenKind, value], ...]], written the same way.
    private static string Describe(IEnumerable<JinjaSegment> segments) => JsonSerializer.Serialize(segments.Select(s =>
        s.Kind == JinjaSegmentKind.Text
            ? new object[] { "Text", s.Text }
            : new object[] { s.Kind.ToString(), s.Tokens.Select(t => new[] { t.Kind.ToString(), t.Text }).ToArray() }), Readable);

    private static string Describe(JsonElement segments) => JsonSerializer.Serialize(segments.EnumerateArray().Select(s =>
        s[0].GetString() == "Text"
            ? new object[] { "Text", s[1].GetString()! }
            : new object[] { s[0].GetString()!, s[1].EnumerateArray().Select(t => new[] { t[0].GetString()!, t[1].GetString()! }).ToArray() }), Readable);

    [Test]
    public void Lexer_ReadsRandomTemplatesAsJinja2Does()
    {
        IReadOnlyList<Case> cases = Cases();
        Assert.That(cases, Has.Count.EqualTo(1500));
        Assert.That(cases.Count(c => c.Error), Is.InRange(100, 1400), "both templates jinja2 reads and ones it refuses");

        var disagreements = new List<string>();
        foreach (Case c in cases)
        {
            bool lexed = JinjaLexer.TryLex(c.Template, out List<JinjaSegment>? segments, out string? error);
            if (c.Error && lexed)
                disagreements.Add($"{JsonSerializer.Serialize(c.Template, Readable)}: jinja2 cannot lex it, JinjaLexer reads {Describe(segments!)}");
            else if (!c.Error && !lexed)
                disagreements.Add($"{JsonSerializer.Serialize(c.Template, Readable)}: jinja2 reads it, JinjaLexer refuses it: {error}");
            else if (!c.Error && Describe(segments!) != Describe(c.Segments))
                disagreements.Add($"{JsonSerializer.Serialize(c.Template, Readable)}: jinja2 {Describe(c.Segments)}, JinjaLexer {Describe(segments!)}");
        }
        Assert.That(disagreements, Is.Empty, string.Join("\n", disagreements.Take(10)));
    }
}
