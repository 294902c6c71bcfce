using System.Collections.Concurrent;
using NativeInfer.Gguf;
using NativeInfer.Tests.Support;
using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>
/// The reference vocabularies in ../shared/testdata/vocab: llama.cpp's test texts and the ids its
/// tokenizer produced (no BOS/EOS, special tokens not parsed). Case sources enumerate the texts when
/// the data is present; otherwise they yield one case that reports itself Ignored with the path.
/// </summary>
internal static class VocabReference
{
    public const string DeepSeek = "ggml-vocab-deepseek-llm.gguf";
    public const string LlamaSpm = "ggml-vocab-llama-spm.gguf";
    private const string Separator = "\n__ggml_vocab_test__\n";

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Tokenizers = new();
    private static readonly ConcurrentDictionary<string, Lazy<(string Text, int[] Ids)[]>> Cases = new();

    /// <summary>The vocabulary's tokenizer (loaded once per test run), or Ignore when the data is missing.</summary>
    public static Tokenizer Tokenizer(string vocab)
    {
        string path = RepoPaths.RequireTestData("vocab/" + vocab);
        return Tokenizers.GetOrAdd(vocab, _ => new Lazy<Tokenizer>(() =>
        {
            using GgufFile file = GgufFile.Open(path);
            return NativeInfer.Tokenization.Tokenizer.FromGguf(file);
        })).Value;
    }

    /// <summary>Text and expected ids of case <paramref name="index"/>, or Ignore when the data is missing.</summary>
    public static (string Text, int[] Ids) Case(string vocab, int index)
    {
        RepoPaths.RequireTestData("vocab/" + vocab + ".inp");
        RepoPaths.RequireTestData("vocab/" + vocab + ".out");
        return All(vocab)[index];
    }

    public static (string Text, int[] Ids)[] All(string vocab) =>
        Cases.GetOrAdd(vocab, v => new Lazy<(string, int[])[]>(() => Read(v))).Value;

    /// <summary>One TestCaseData per reference text, named by index and a preview of the text.</summary>
    public static IEnumerable<TestCaseData> CaseData(string vocab)
    {
        string inp = Path.Combine(RepoPaths.TestData, "vocab", vocab + ".inp");
        if (!File.Exists(inp))
        {
            yield return new TestCaseData(0).SetName($"{vocab} (reference data missing)");
            yield break;
        }
        (string Text, int[] Ids)[] all = All(vocab);
        for (int i = 0; i < all.Length; i++)
            yield return new TestCaseData(i).SetArgDisplayNames($"{i:00} {Preview(all[i].Text)}");
    }

    private static (string Text, int[] Ids)[] Read(string vocab)
    {
        string dir = Path.Combine(RepoPaths.TestData, "vocab");
        string inp = File.ReadAllText(Path.Combine(dir, vocab + ".inp"));
        string[] texts = inp.Split(Separator);
        // The file ends with a separator, which leaves one empty string after it.
        if (inp.EndsWith(Separator, StringComparison.Ordinal)) texts = texts[..^1];
        string[] lines = File.ReadAllText(Path.Combine(dir, vocab + ".out")).Split('\n');
        if (lines.Length > texts.Length && lines[^1].Length == 0) lines = lines[..^1];
        if (lines.Length != texts.Length)
            throw new InvalidDataException($"{vocab}: {texts.Length} texts but {lines.Length} expected id lines");
        return texts.Select((t, i) => (t, lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToArray();
    }

    private static string Preview(string text)
    {
        string escaped = text.Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r");
        return "\"" + (escaped.Length > 24 ? escaped[..24] + "…" : escaped) + "\"";
    }
}
