using System.Diagnostics;
using NativeInfer.Chat;
using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic;
using NativeInfer.Models.Synthetic.Demo;
using NativeInfer.Runtime;
using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Models.Synthetic;

/// <summary>
/// The constructed demo models continue text like their corpus: greedy decoding from a corpus prefix follows,
/// token for token, the chain of most likely successors computed here from the corpus counts alone — from
/// the last two tokens for DeepSeek-V2 (its layer-0 attention copies the previous token), from the last token
/// for the other architectures. Plus size, speed, determinism and the cached demo file.
/// </summary>
[NonParallelizable]
public class DemoModelTests
{
    private const int ChainTokens = 40;

    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-demo-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>The corpus as the model's tokenizer reads it: BOS, paragraph, EOS.</summary>
    private static List<int[]> Sequences(Tokenizer t) => DemoCorpus.Paragraphs.Select(p => new[] { t.Bos }.Concat(t.Encode(p)).Append(t.Eos).ToArray()).ToList();

    /// <summary>
    /// The next token by corpus counts: after a pair (a, b) that occurs, its most frequent successor (ties: the
    /// more frequent successor of b, then the lower id); otherwise b's most frequent successor (ties: lower id).
    /// </summary>
    private static int Expected(List<int[]> corpus, int a, int b, bool usePairs)
    {
        var pair = new Dictionary<int, int>();
        var single = new Dictionary<int, int>();
        foreach (int[] s in corpus)
            for (int i = 0; i + 1 < s.Length; i++)
            {
                if (s[i] != b) continue;
                single[s[i + 1]] = single.GetValueOrDefault(s[i + 1]) + 1;
                if (i > 0 && s[i - 1] == a) pair[s[i + 1]] = pair.GetValueOrDefault(s[i + 1]) + 1;
            }
        if (usePairs && pair.Count > 0)
            return pair.OrderByDescending(p => p.Value).ThenByDescending(p => single[p.Key]).ThenBy(p => p.Key).First().Key;
        return single.OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key;
    }

    /// <summary>Greedy decoding from the prompt (special tokens parsed); the tokens, how many matched the expected chain before the first miss, and whether it stopped at EOS.</summary>
    private static (List<int> Generated, int Matched, bool AtEos) Greedy(string path, string prompt, bool usePairs, int steps = ChainTokens, bool addBos = true)
    {
        using InferenceModel model = InferenceModel.Load(path);
        Tokenizer t = Tokenizer.FromGguf(model.File);
        List<int[]> corpus = Sequences(t);
        int[] ids = t.Encode(prompt, addBos, parseSpecial: true);
        int vocab = model.Config.VocabSize;
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = ids.Length + steps + 1 });
        var all = new float[ids.Length * vocab];
        session.ForwardAll(ids, all);
        float[] logits = all.AsSpan((ids.Length - 1) * vocab).ToArray();
        var generated = new List<int>();
        int matched = 0, a = ids[^2], b = ids[^1];
        bool onChain = true;
        for (int step = 0; step < steps; step++)
        {
            int next = Argmax(logits);
            onChain &= next == Expected(corpus, a, b, usePairs);
            if (onChain) matched++;
            generated.Add(next);
            if (next == t.Eos) break;
            session.Forward([next], logits);
            (a, b) = (b, next);
        }
        TestContext.Out.WriteLine($"{Path.GetFileName(path)}: \"{prompt}\" → \"{t.Decode(generated.ToArray())}\" ({matched} of {generated.Count} on the chain)");
        return (generated, matched, generated[^1] == t.Eos);
    }

    private static int Argmax(float[] x)
    {
        int best = 0;
        for (int i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    private string Write(TinyModelOptions options, string name = "demo.gguf")
    {
        string path = Path.Combine(_dir, name);
        TinyModel.Write(path, options);
        return path;
    }

    [TestCase("deepseek2", GgmlType.Q8_0, true)]
    [TestCase("deepseek2", GgmlType.Q4_0, true)]
    [TestCase("qwen2moe", GgmlType.Q8_0, false)]
    [TestCase("llama", GgmlType.Q4_K, false)]
    public void Greedy_FollowsTheCorpusChain(string arch, GgmlType type, bool usePairs)
    {
        string path = Write(new TinyModelOptions { Architecture = arch, Type = type });
        string[] prompts = ["The attention of DeepSeek", "A session owns the cache", "Injection rules decide how", "The tokenizer turns text"];
        foreach (string prompt in prompts)
        {
            (List<int> generated, int matched, bool atEos) = Greedy(path, prompt, usePairs);
            Assert.That(matched, Is.EqualTo(generated.Count), $"{prompt}: greedy left the chain after {matched} tokens");
            Assert.That(generated.Count == ChainTokens || atEos, Is.True, $"{prompt}: stopped after {generated.Count} tokens without EOS");
        }
    }

    [Test]
    public void ChatPrompt_AnswersFromTheCorpusExchange()
    {
        string path = DemoModel.EnsureWritten(_dir);
        using GgufFile file = GgufFile.Open(path);
        IChatTemplate template = ChatTemplates.FromGguf(file);
        string prompt = template.Render([ChatMessage.User(DemoModel.Prompt)], addGenerationPrompt: true);
        (List<int> generated, int matched, _) = Greedy(path, prompt, usePairs: true, steps: 8, addBos: false);
        Assert.That(matched, Is.EqualTo(generated.Count));
        Assert.That(Tokenizer.FromGguf(file).Decode(generated.ToArray()), Does.StartWith(" NativeInfer maps the model"),
                    "the corpus answers this question after 'Assistant:'");
    }

    [Test]
    public void DefaultDemo_IsSmall_Quick_AndDeterministic()
    {
        var clock = Stopwatch.StartNew();
        string a = Write(DemoModel.Options, "a.gguf");
        TimeSpan elapsed = clock.Elapsed;
        string b = Write(DemoModel.Options, "b.gguf");
        string c = Write(DemoModel.Options with { Seed = 7 }, "c.gguf");
        long size = new FileInfo(a).Length;
        TestContext.Out.WriteLine($"demo model: {size / 1e6:0.00} MB written in {elapsed.TotalSeconds:0.00} s (first write, JIT included)");
        Assert.That(size, Is.LessThan(10_000_000));
        Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "well under 2 s on an idle machine; generous for a shared one");
        Assert.That(File.ReadAllBytes(a), Is.EqualTo(File.ReadAllBytes(b)));
        Assert.That(File.ReadAllBytes(a), Is.Not.EqualTo(File.ReadAllBytes(c)));
    }

    [Test]
    public void EnsureWritten_WritesOnce_ThenReusesTheFile()
    {
        string first = DemoModel.EnsureWritten(_dir);
        DateTime written = File.GetLastWriteTimeUtc(first);
        Thread.Sleep(20);
        string second = DemoModel.EnsureWritten(_dir);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(File.GetLastWriteTimeUtc(second), Is.EqualTo(written));
        Assert.That(Path.GetFileName(first), Does.Match("^nativeinfer-demo-[0-9a-f]{16}\\.gguf$"));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { first }), "no temporary file is left");
        using InferenceModel model = InferenceModel.Load(first);
        Assert.That(model.Config.Architecture, Is.EqualTo("deepseek2"));
    }

    [Test]
    public void TooNarrowForTheConstruction_SaysSo()
    {
        var e = Assert.Throws<SyntheticModelException>(() => Write(new TinyModelOptions { Hidden = 32 }));
        Assert.That(e!.Message, Does.Contain("needs a hidden width of at least 64 (got 32)"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }
}
