using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>
/// The pre-tokenizers split text the way llama.cpp does: known splits per type, every supported
/// type loads and round-trips, and the hand-written GPT-2 / Llama 3 scanners agree with the same
/// patterns run through the regex path on random text.
/// </summary>
public class PreTokenizerTests
{
    private static string[] Split(string preName, string text)
    {
        PreTokenizerCatalog.Entry entry = PreTokenizerCatalog.Find(preName)!;
        return Split(new PreTokenizer(preName, entry.Regexes), text);
    }

    private static string[] Split(PreTokenizer pre, string text)
    {
        var scratch = new EncodeScratch();
        ReadOnlySpan<int> cps = scratch.LoadCodepoints(text);
        ReadOnlySpan<int> pieces = pre.Split(cps, scratch);
        int[] starts = scratch.CharStarts.Span.ToArray();
        var words = new List<string>();
        int first = 0;
        foreach (int n in pieces)
        {
            words.Add(text[starts[first]..starts[first + n]]);
            first += n;
        }
        return words.ToArray();
    }

    [TestCase("gpt-2", "Hello world's  end  ", new[] { "Hello", " world", "'s", " ", " end", "  " })]
    [TestCase("gpt-2", "x=12345;\n\ty", new[] { "x", "=", "12345", ";", "\n", "\t", "y" })]
    [TestCase("llama-bpe", "I'M here 1234567\r\n\r\nok", new[] { "I", "'M", " here", " ", "123", "456", "7", "\r\n\r\n", "ok" })]
    [TestCase("llama-bpe", "a  ...\n\nb", new[] { "a", " ", " ...\n\n", "b" })]
    [TestCase("qwen2", "Hello 2024!!", new[] { "Hello", " ", "2", "0", "2", "4", "!!" })]
    [TestCase("deepseek-llm", "Hello, 世界 123\n", new[] { "Hello", ",", " ", "世界", " ", "123", "\n" })]
    [TestCase("deepseek-coder", "foo(bar) 42", new[] { "foo", "(", "bar", ")", " ", "4", "2" })]
    [TestCase("deepseek-v3", "Hello 12345 カタカナ ~x", new[] { "Hello", " ", "123", "45", " ", "カタカナ", " ", "~x" })]
    [TestCase("default", "a+b=1234", new[] { "a", "+", "b", "=", "123", "4" })]
    public void Split_KnownText_GivesLlamaCppWords(string pre, string text, string[] expected) =>
        Assert.That(Split(pre, text), Is.EqualTo(expected));

    [Test]
    public void DeepSeekV3_Tilde_IsNotASymbol()
    {
        // llama.cpp's collapsed \p{S} lists $+<=>^`| but not '~': " ~" is not " ?[\p{P}\p{S}]+" there, so
        // the space and the tilde end up in pieces of their own (a real \p{S} would give "a", " ~", " b").
        Assert.That(Split("deepseek-v3", "a ~ b"), Is.EqualTo(new[] { "a", " ", "~", " b" }));
    }

    [TestCaseSource(nameof(SupportedNames))]
    public void EverySupportedPreTokenizer_LoadsAndRoundTrips(string pre)
    {
        Tokenizer t = SyntheticVocab.ByteLevel(pre).Build();
        const string text = "Hello world! It's 2024: 你好, мир 🦙 \t\n  x1234 ~~ done.";
        Assert.That(t.PreTokenizer, Is.EqualTo(pre));
        Assert.That(t.Decode(t.Encode(text)), Is.EqualTo(text));
        Assert.That(t.Encode("Hello world"), Does.Contain(t.Encode("Hello")[0]));
    }

    private static IEnumerable<string> SupportedNames() => PreTokenizerCatalog.SupportedNames;

    [TestCase(Gpt2Split.Regex)]
    [TestCase(Llama3Split.Regex)]
    public void Scanner_AgreesWithRegexOnRandomText(string pattern)
    {
        var scanner = new PreTokenizer("scanner", [pattern]);
        var regexStage = new RegexSplit(pattern);
        string[] alphabet = ["a", "B", "z", " ", "  ", "\t", "\n", "\r", "'", "s", "t", "ll", "RE", "1", "23", "٣", ".", ",", "!", "~",
                             "é", "\u0301", "中", "🦙", "\u00A0", "\u3000", "$", "_", "-", "😶‍🌫️", "𝔘"];
        var random = new Random(1234);
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            string text = string.Concat(Enumerable.Range(0, random.Next(1, 16)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            string[] expected = Split(scanner, text);
            string[] actual = SplitWith(regexStage, text);
            Assert.That(actual, Is.EqualTo(expected), $"text {TokenizerReferenceTests.Show(text)}");
        }
    }

    private static string[] SplitWith(SplitStage stage, string text)
    {
        var scratch = new EncodeScratch();
        ReadOnlySpan<int> cps = scratch.LoadCodepoints(text);
        var output = new GrowableBuffer<int>();
        stage.Split(cps, [cps.Length], output, scratch.Chars);
        int[] starts = scratch.CharStarts.Span.ToArray();
        var words = new List<string>();
        int first = 0;
        foreach (int n in output.Span)
        {
            words.Add(text[starts[first]..starts[first + n]]);
            first += n;
        }
        return words.ToArray();
    }
}
