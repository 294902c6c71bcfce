using System.Text;
using System.Text.RegularExpressions;
using NativeInfer.Chat;
using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic;
using NativeInfer.Models.Synthetic.Demo;
using NativeInfer.Tests.Support;
using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Models.Synthetic;

/// <summary>
/// The byte-level BPE vocabulary trained for synthetic models, read back from a written model file by the
/// runtime's tokenizer: its layout, round trips of arbitrary text, and the corpus encoded exactly as a
/// straightforward re-application of the learned merges (written here from the GPT-2 BPE definition).
/// </summary>
[NonParallelizable]
public class TrainedTokenizerTests
{
    private static string _dir = "";
    private static string _model = "";

    [OneTimeSetUp]
    public static void WriteModel()
    {
        _dir = Directory.CreateTempSubdirectory("ni-tokenizer-").FullName;
        _model = Path.Combine(_dir, "demo.gguf");
        TinyModel.Write(_model, new TinyModelOptions { Architecture = "llama", Layers = 1, RandomWeights = true });
    }

    [OneTimeTearDown]
    public static void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static (Tokenizer Tokenizer, string[] Tokens, string[] Merges, string Template) Read()
    {
        using GgufFile file = GgufFile.Open(_model);
        return (Tokenizer.FromGguf(file), file.Metadata.GetStringArray("tokenizer.ggml.tokens"), file.Metadata.GetStringArray("tokenizer.ggml.merges"),
                file.Metadata.GetString(ChatTemplates.MetadataKey));
    }

    [Test]
    public void Vocabulary_BytesThenMergesThenDeepSeekSpecials()
    {
        (Tokenizer t, string[] tokens, string[] merges, string template) = Read();
        TestContext.Out.WriteLine($"{t.VocabSize} tokens, {merges.Length} merges");
        Assert.That(t.Kind, Is.EqualTo(TokenizerKind.ByteLevelBpe));
        Assert.That(t.PreTokenizer, Is.EqualTo("gpt-2"));
        Assert.That(t.VocabSize, Is.InRange(512, 2048));
        Assert.That(t.VocabSize, Is.EqualTo(256 + merges.Length + 2), "one new token per merge for this text, then BOS and EOS");
        Assert.That(t.TokenText(t.Bos), Is.EqualTo("<｜begin▁of▁sentence｜>"));
        Assert.That(t.TokenText(t.Eos), Is.EqualTo("<｜end▁of▁sentence｜>"));
        Assert.That((t.GetTokenType(t.Bos), t.GetTokenType(t.Eos), t.AddBos, t.AddEos), Is.EqualTo((TokenType.Control, TokenType.Control, true, false)));
        for (int b = 0; b < 256; b++) Assert.That(t.TokenBytes(b).ToArray(), Is.EqualTo(new[] { (byte)b }), $"token {b} is byte {b}");
        // Each merge makes the token after the previous one, spelled as the concatenation of its halves.
        for (int rank = 0; rank < merges.Length; rank++)
            Assert.That(tokens[256 + rank], Is.EqualTo(merges[rank].Replace(" ", "")), merges[rank]);
        Assert.That(ChatTemplates.Detect(template).Render([ChatMessage.User("hi")], addGenerationPrompt: true),
                    Is.EqualTo("<｜begin▁of▁sentence｜>User: hi\n\nAssistant:"), "the published DeepSeek-V2 template, recognised");
    }

    [TestCase("")]
    [TestCase("The router picks two experts.")]
    [TestCase("Grüße aus Köln — 東京の天気は晴れ 🙂\tend\r\n\n  x  ")]
    [TestCase("<｜begin▁of▁sentence｜> is plain text here")]
    public void EncodeDecode_RoundTripsAnyText(string text)
    {
        Tokenizer t = Read().Tokenizer;
        int[] ids = t.Encode(text);
        Assert.That(t.Decode(ids), Is.EqualTo(text));
        if (text.Any(c => c > 127)) Assert.That(ids.Any(id => id < 256), Is.True, "non-ASCII falls back to byte tokens");
    }

    [Test]
    public void Corpus_EncodesAsTheMergesAppliedOneByOne()
    {
        (Tokenizer t, string[] tokens, string[] merges, _) = Read();
        var id = new Dictionary<string, int>();
        for (int i = 0; i < tokens.Length; i++) id.TryAdd(tokens[i], i);
        var rank = new Dictionary<(string, string), int>();
        for (int r = 0; r < merges.Length; r++)
        {
            string[] halves = merges[r].Split(' ');
            rank.TryAdd((halves[0], halves[1]), r);
        }
        int compared = 0;
        foreach (string paragraph in DemoCorpus.Paragraphs)
        {
            var expected = new List<int>();
            foreach (Match word in Gpt2Words.Matches(paragraph))
                expected.AddRange(ApplyMerges(word.Value, rank).Select(piece => id[piece]));
            Assert.That(t.Encode(paragraph), Is.EqualTo(expected), paragraph);
            compared += expected.Count;
        }
        TestContext.Out.WriteLine($"{compared} corpus tokens compared");
        Assert.That(compared, Is.GreaterThan(1000));
    }

    [Test]
    public void CopiedVocabulary_KeepsEveryTokenizerKeyVerbatim()
    {
        string vocab = RepoPaths.RequireTestData("vocab/ggml-vocab-deepseek-llm.gguf");
        string path = Path.Combine(_dir, "copied.gguf");
        TinyModelSummary s = TinyModel.Write(path, new TinyModelOptions { Architecture = "qwen2moe", Layers = 1, Hidden = 64, RandomWeights = true, VocabPath = vocab });
        Assert.That(s.Spec.Vocab, Is.EqualTo(102400));
        using GgufFile source = GgufFile.Open(vocab), copy = GgufFile.Open(path);
        var keys = source.Metadata.Where(e => e.Key.StartsWith("tokenizer.", StringComparison.Ordinal)).ToList();
        Assert.That(keys, Has.Count.GreaterThan(5));
        foreach (GgufMetadataEntry e in keys)
            Assert.That(copy.Metadata.GetEntry(e.Key).GetValue(), Is.EqualTo(e.GetValue()), e.Key);
        Assert.That(copy.Metadata.Keys.Count(k => k.StartsWith("tokenizer.", StringComparison.Ordinal)), Is.EqualTo(keys.Count));
        Assert.That(copy.GetTensor("token_embd.weight").Ne(1), Is.EqualTo(102400));
    }

    /// <summary>GPT-2's word pattern; the final \s+ keeps whitespace the other branches leave as its own word.</summary>
    private static readonly Regex Gpt2Words = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+");

    /// <summary>BPE as first described: spell the word's bytes, then repeatedly merge the leftmost pair of the lowest rank.</summary>
    private static List<string> ApplyMerges(string word, Dictionary<(string, string), int> rank)
    {
        List<string> symbols = Encoding.UTF8.GetBytes(word).Select(b => GptByteChar(b).ToString()).ToList();
        while (true)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < symbols.Count; i++)
                if (rank.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank) (best, bestRank) = (i, r);
            if (best < 0) return symbols;
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
    }

    /// <summary>GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others take 256, 257, … in byte order.</summary>
    private static char GptByteChar(byte b)
    {
        static bool Printable(int x) => x is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        if (Printable(b)) return (char)b;
        int n = 0;
        for (int x = 0; x < b; x++) if (!Printable(x)) n++;
        return (char)(256 + n);
    }
}
