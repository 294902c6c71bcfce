using NativeInfer.Cli;
using NativeInfer.Tests.Support;
using NativeInfer.Tests.Tokenization;

namespace NativeInfer.Tests.Cli;

/// <summary>`nativeinfer tokenize` end to end against llama.cpp's reference ids.</summary>
public class TokenizeCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    private static string Vocab(string name) => RepoPaths.RequireTestData("vocab/" + name);

    [TestCase(VocabReference.DeepSeek)]
    [TestCase(VocabReference.LlamaSpm)]
    public void Tokenize_ReferenceTexts_PrintsReferenceIds(string vocab)
    {
        string model = Vocab(vocab);
        foreach ((string text, int[] ids) in VocabReference.All(vocab).Where(c => c.Text.Length > 0 && !c.Text.StartsWith('-')).Take(12))
        {
            var (code, output, error) = Run("tokenize", model, text);
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(output, Is.EqualTo(string.Join(' ', ids) + Environment.NewLine), TokenizerReferenceTests.Show(text));
        }
    }

    [Test]
    public void Tokenize_File_ReadsTheWholeFile()
    {
        string model = Vocab(VocabReference.DeepSeek);
        (string text, int[] ids) = VocabReference.All(VocabReference.DeepSeek)[^1]; // the long mixed text
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, text);
            var (code, output, _) = Run("tokenize", model, "--file", path);
            Assert.That(code, Is.EqualTo(0));
            Assert.That(output.TrimEnd('\n', '\r'), Is.EqualTo(string.Join(' ', ids)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Tokenize_SpecialAndBos_AddTheSpecialIds()
    {
        string model = Vocab(VocabReference.DeepSeek);
        var (_, plain, _) = Run("tokenize", model, "<｜end▁of▁sentence｜>");
        var (_, special, _) = Run("tokenize", model, "<｜end▁of▁sentence｜>", "--special", "--bos");
        Assert.That(plain.Trim().Split(' '), Has.Length.GreaterThan(1));
        Assert.That(special.Trim(), Is.EqualTo("100000 100001"));
    }

    [Test]
    public void Tokenize_MissingFile_IsOneLineError()
    {
        var (code, _, error) = Run("tokenize", "/nonexistent/model.gguf", "hi");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void Tokenize_UnsupportedTokenizer_IsOneLineErrorNamingTheKey()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, SyntheticVocab.ByteLevel().String("tokenizer.ggml.model", "bert").ToImage());
            var (code, _, error) = Run("tokenize", path, "hi");
            Assert.That(code, Is.EqualTo(1));
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error, Does.Contain("tokenizer.ggml.model 'bert' is not supported"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Tokenize_TextAndFile_IsUsageError()
    {
        var (code, _, error) = Run("tokenize", "model.gguf", "hi", "--file", "x.txt");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("either TEXT or --file"));
        (code, _, error) = Run("tokenize", "model.gguf");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("missing TEXT"));
    }
}
