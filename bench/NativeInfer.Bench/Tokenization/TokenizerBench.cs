using System.Text;
using BenchmarkDotNet.Attributes;
using NativeInfer.Gguf;
using NativeInfer.Tokenization;

namespace NativeInfer.Bench.Tokenization;

/// <summary>
/// Encode throughput on ~4 MB of mixed text (<see cref="MixedCorpus"/>) for both reference
/// vocabularies in ../shared/testdata/vocab; the MB/s column is UTF-8 input bytes per second.
/// One call encodes the whole text, as a long prompt or a document would be.
/// </summary>
[Config(typeof(TokenizerBenchConfig))]
public class TokenizerBench
{
    private const int TextBytes = 4 << 20;

    private Tokenizer _tokenizer = null!;
    private string _text = null!;
    private readonly List<int> _ids = new(TextBytes / 2);

    [Params("deepseek-llm", "llama-spm")]
    public string Vocab { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        using GgufFile file = GgufFile.Open(FindVocab(Vocab));
        _tokenizer = Tokenizer.FromGguf(file);
        _text = MixedCorpus.Build(TextBytes);
        TokenizerBenchConfig.TextBytes[Vocab] = Encoding.UTF8.GetByteCount(_text);
    }

    [Benchmark]
    public int Encode()
    {
        _ids.Clear();
        _tokenizer.Encode(_text, _ids);
        return _ids.Count;
    }

    private static string FindVocab(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "NativeInfer.sln"))) continue;
            string path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "vocab", $"ggml-vocab-{name}.gguf"));
            return File.Exists(path) ? path : throw new FileNotFoundException($"reference vocabulary not found at {path} (../shared/testdata must sit beside the repository)");
        }
        throw new InvalidOperationException($"cannot find NativeInfer.sln above {AppContext.BaseDirectory}");
    }
}
