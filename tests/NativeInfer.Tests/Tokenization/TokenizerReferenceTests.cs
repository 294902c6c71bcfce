using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>
/// Every reference text of llama.cpp's tokenizer tests, for both vocabularies: the ids must match
/// exactly, and decoding them must give the text back.
/// </summary>
public class TokenizerReferenceTests
{
    private static IEnumerable<TestCaseData> DeepSeekCases() => VocabReference.CaseData(VocabReference.DeepSeek);

    private static IEnumerable<TestCaseData> LlamaSpmCases() => VocabReference.CaseData(VocabReference.LlamaSpm);

    [TestCaseSource(nameof(DeepSeekCases))]
    public void Encode_DeepSeekLlm_MatchesLlamaCpp(int index) => AssertEncodes(VocabReference.DeepSeek, index);

    [TestCaseSource(nameof(LlamaSpmCases))]
    public void Encode_LlamaSpm_MatchesLlamaCpp(int index) => AssertEncodes(VocabReference.LlamaSpm, index);

    [TestCaseSource(nameof(DeepSeekCases))]
    public void Decode_DeepSeekLlm_GivesBackText(int index) => AssertRoundTrips(VocabReference.DeepSeek, index);

    [TestCaseSource(nameof(LlamaSpmCases))]
    public void Decode_LlamaSpm_GivesBackText(int index) => AssertRoundTrips(VocabReference.LlamaSpm, index);

    private static void AssertEncodes(string vocab, int index)
    {
        Tokenizer tokenizer = VocabReference.Tokenizer(vocab);
        (string text, int[] expected) = VocabReference.Case(vocab, index);
        int[] actual = tokenizer.Encode(text);
        Assert.That(actual, Is.EqualTo(expected), () => $"text {Show(text)}\nexpected {string.Join(' ', expected)}\nactual   {string.Join(' ', actual)}");
    }

    private static void AssertRoundTrips(string vocab, int index)
    {
        Tokenizer tokenizer = VocabReference.Tokenizer(vocab);
        (string text, int[] expected) = VocabReference.Case(vocab, index);
        Assert.That(tokenizer.Decode(expected), Is.EqualTo(text));
        Assert.That(tokenizer.Decode(tokenizer.Encode(text, addBos: true), renderSpecial: false), Is.EqualTo(text));
    }

    internal static string Show(string text) => "\"" + text.Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r") + "\"";
}
