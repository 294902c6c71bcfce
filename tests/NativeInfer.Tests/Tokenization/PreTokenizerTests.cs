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

    private static readonly string[] Alphabet =
    [
        "a", "B", "z", " ", "  ", "\t", "\n", "\r", "'", "s", "t", "ll", "RE", "1", "23", "٣", "½", ".", ",", "!", "~", "$", "_", "-", "+",
        "é", "\u0301", "µ", "Ω", "ᾶ", "\u1FD3", "\u2126", "\u212A", "ℂ", "Ａ", "！", "～", "‘", "中", "一", "가", "カ", "ぁ", "\u0800",
        "🦙", "😶‍🌫️", "𝔘", "\U00010400", "\U0001E900", "\U00020000", "\u00A0", "\u3000", "\u2028", "\u0085", "\u200B", "\uE0D2", "\uE0E0", "\0",
    ];

    private static IEnumerable<string> RandomTexts(int seed, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
            yield return string.Concat(Enumerable.Range(0, random.Next(1, 16)).Select(_ => Alphabet[random.Next(Alphabet.Length)]));
    }

    [TestCase(Gpt2Split.Regex)]
    [TestCase(Llama3Split.Regex)]
    [TestCase(Llama3Split.Qwen2Regex)]
    public void Scanner_AgreesWithRegexOnRandomText(string pattern)
    {
        var scanner = new PreTokenizer("scanner", [pattern]);
        Assert.That(scanner.Stages[0], Is.InstanceOf<Gpt2Split>().Or.InstanceOf<Llama3Split>());
        var regexStage = new RegexSplit(pattern);
        foreach (string text in RandomTexts(1234, 3000))
            Assert.That(SplitWith(regexStage, text), Is.EqualTo(Split(scanner, text)), $"text {TokenizerReferenceTests.Show(text)}");
    }

    private static IEnumerable<TestCaseData> ClassRunPatterns() =>
        PreTokenizerCatalog.Entries.SelectMany(e => e.Regexes).Distinct()
            .Where(p => ClassRunSplit.TryCreate(new PatternTranslation(p)) is not null)
            .Select(p => new TestCaseData(p).SetArgDisplayNames(TokenizerReferenceTests.Show(p.Length > 30 ? p[..30] + "…" : p)));

    [TestCaseSource(nameof(ClassRunPatterns))]
    public void ClassRun_AgreesWithRegexOnRandomText(string pattern)
    {
        SplitStage fast = ClassRunSplit.TryCreate(new PatternTranslation(pattern))!;
        var regexStage = new RegexSplit(pattern);
        foreach (string text in RandomTexts(4321, 3000))
            Assert.That(SplitWith(fast, text), Is.EqualTo(SplitWith(regexStage, text)), $"text {TokenizerReferenceTests.Show(text)}");
    }

    [Test]
    public void DeepSeekLlm_RunsEveryStageOnTheFastPath()
    {
        PreTokenizerCatalog.Entry entry = PreTokenizerCatalog.Find("deepseek-llm")!;
        Assert.That(new PreTokenizer("deepseek-llm", entry.Regexes).Stages, Is.All.InstanceOf<ClassRunSplit>());
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
