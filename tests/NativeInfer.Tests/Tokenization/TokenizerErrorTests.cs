using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>Unsupported and malformed tokenizer metadata: one TokenizerException naming the key.</summary>
public class TokenizerErrorTests
{
    private static TokenizerException Fails(SyntheticVocab vocab) => Assert.Throws<TokenizerException>(() => vocab.Build())!;

    [Test]
    public void Synthetic_ByteLevelAndSentencePiece_Load()
    {
        Tokenizer bpe = SyntheticVocab.ByteLevel().Build();
        Assert.That(bpe.Decode(bpe.Encode("Hello world")), Is.EqualTo("Hello world"));
        Tokenizer spm = SyntheticVocab.SentencePiece().Build();
        Assert.That(spm.Decode(spm.Encode("Hello world")), Is.EqualTo("Hello world"));
    }

    [Test]
    public void UnknownModel_NamesTheValueAndTheSupportedOnes()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().String("tokenizer.ggml.model", "bert"));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.model"));
        Assert.That(e.Message, Does.Contain("'bert'").And.Contain("gpt2").And.Contain("llama").And.Contain("synthetic.gguf"));
    }

    [Test]
    public void UnknownPreTokenizer_NamesTheValueAndTheSupportedOnes()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel("falcon"));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.pre"));
        Assert.That(e.Message, Does.Contain("'falcon'").And.Contain("deepseek-llm").And.Contain("llama-bpe").And.Contain("qwen2"));
    }

    [Test]
    public void MissingPreTokenizer_UsesDefault()
    {
        Tokenizer t = SyntheticVocab.ByteLevel().Without("tokenizer.ggml.pre").Build();
        Assert.That(t.PreTokenizer, Is.EqualTo("default"));
    }

    [TestCase("tokenizer.ggml.model")]
    [TestCase("tokenizer.ggml.tokens")]
    [TestCase("tokenizer.ggml.merges")]
    public void MissingRequiredKey_IsNamed(string key)
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().Without(key));
        Assert.That(e.Key, Is.EqualTo(key));
        Assert.That(e.Message, Does.Contain(key).And.Contain("missing"));
    }

    [Test]
    public void ScoresOfAnotherLength_AreRejected()
    {
        TokenizerException e = Fails(SyntheticVocab.SentencePiece().Floats("tokenizer.ggml.scores", [0, 1, 2]));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.scores"));
        Assert.That(e.Message, Does.Contain("3 entries"));
    }

    [Test]
    public void TokenTypesOfAnotherLength_AreRejected()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().Ints("tokenizer.ggml.token_type", [1, 1]));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.token_type"));
    }

    [Test]
    public void MergeNamingAnUnknownToken_IsRejected()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().Strings("tokenizer.ggml.merges", ["Ġ w", "zz top"]));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.merges"));
        Assert.That(e.Message, Does.Contain("[1]").And.Contain("'zz'"));
    }

    [Test]
    public void MergeWhoseResultIsNotAToken_IsRejected()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().Strings("tokenizer.ggml.merges", ["a b"]));
        Assert.That(e.Message, Does.Contain("'ab'"));
    }

    [Test]
    public void MergeWithoutSeparator_IsRejected()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().Strings("tokenizer.ggml.merges", ["ab"]));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.merges"));
    }

    [Test]
    public void KeyOfTheWrongType_IsNamed()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().UInt("tokenizer.ggml.tokens", 5));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.tokens"));
        Assert.That(e.Message, Does.Contain("UInt32"));
    }

    [Test]
    public void SpecialIdOutsideTheVocabulary_IsRejected()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().UInt("tokenizer.ggml.eos_token_id", 99999));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.eos_token_id"));
        Assert.That(e.Message, Does.Contain("99999"));
    }

    [Test]
    public void AddBosWithoutBos_IsRejected()
    {
        TokenizerException e = Fails(SyntheticVocab.ByteLevel().Without("tokenizer.ggml.bos_token_id").Bool("tokenizer.ggml.add_bos_token", true));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.add_bos_token"));
    }

    [Test]
    public void DuplicateToken_IsRejected()
    {
        var tokens = Enumerable.Range(0, 259).Select(i => i < 3 ? "<x>" + i : ((char)(0x100 + i)).ToString()).ToList();
        tokens[10] = tokens[11];
        TokenizerException e = Fails(SyntheticVocab.SentencePiece().Without("tokenizer.ggml.scores").Without("tokenizer.ggml.token_type")
            .Strings("tokenizer.ggml.tokens", tokens));
        Assert.That(e.Key, Is.EqualTo("tokenizer.ggml.tokens"));
        Assert.That(e.Message, Does.Contain("10").And.Contain("11"));
    }

    [Test]
    public void ByteTokenThatIsNotHex_IsRejected()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>", "<0xZZ>" };
        TokenizerException e = Fails(new SyntheticVocab()
            .String("tokenizer.ggml.model", "llama").Strings("tokenizer.ggml.tokens", tokens).Ints("tokenizer.ggml.token_type", [2, 3, 3, 6]));
        Assert.That(e.Message, Does.Contain("<0xZZ>"));
    }
}
