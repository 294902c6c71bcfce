using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>
/// Special tokens in input text, BOS/EOS and the special ids, on the reference vocabularies:
/// control tokens are matched only when parsing is on, user-defined ones always (as llama.cpp does).
/// </summary>
public class SpecialTokenTests
{
    private const string DeepSeekBos = "<｜begin▁of▁sentence｜>";
    private const string DeepSeekEos = "<｜end▁of▁sentence｜>";

    [Test]
    public void SpecialIds_DeepSeek_ComeFromMetadata()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        Assert.Multiple(() =>
        {
            Assert.That(t.Kind, Is.EqualTo(TokenizerKind.ByteLevelBpe));
            Assert.That(t.PreTokenizer, Is.EqualTo("deepseek-llm"));
            Assert.That(t.VocabSize, Is.EqualTo(102400));
            Assert.That((t.Bos, t.Eos, t.Unknown), Is.EqualTo((100000, 100001, -1)));
            Assert.That((t.AddBos, t.AddEos, t.AddSpacePrefix), Is.EqualTo((true, false, false)));
            Assert.That(t.TokenText(t.Bos), Is.EqualTo(DeepSeekBos));
            Assert.That(t.IsControl(t.Bos) && t.IsControl(t.Eos), Is.True);
            Assert.That(t.GetTokenType(100014), Is.EqualTo(TokenType.UserDefined));
            Assert.That(t.IsEndOfGeneration(t.Eos), Is.True);
            Assert.That(t.IsEndOfGeneration(t.Bos), Is.False);
        });
    }

    [Test]
    public void SpecialIds_LlamaSpm_ComeFromMetadata()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.LlamaSpm);
        Assert.Multiple(() =>
        {
            Assert.That(t.Kind, Is.EqualTo(TokenizerKind.SentencePiece));
            Assert.That((t.Bos, t.Eos, t.Unknown), Is.EqualTo((1, 2, 0)));
            Assert.That((t.AddBos, t.AddEos, t.AddSpacePrefix), Is.EqualTo((true, false, true)));
            Assert.That(t.GetTokenType(0), Is.EqualTo(TokenType.Unknown));
            Assert.That(t.GetTokenType(3), Is.EqualTo(TokenType.Byte));
            Assert.That(t.TokenText(15043), Is.EqualTo("▁Hello"));
        });
    }

    [Test]
    public void Encode_ControlTokenText_IsOneIdOnlyWhenParsing()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        string text = DeepSeekBos + "Hello" + DeepSeekEos;
        int[] parsed = t.Encode(text, parseSpecial: true);
        int[] plain = t.Encode(text, parseSpecial: false);
        Assert.That(parsed, Is.EqualTo((int[])[100000, .. t.Encode("Hello"), 100001]));
        Assert.That(plain, Does.Not.Contain(100000).And.Not.Contain(100001));
        Assert.That(plain, Has.Length.GreaterThan(parsed.Length));
        Assert.That(t.Decode(plain), Is.EqualTo(text), "as plain text the marker round-trips through ordinary tokens");
    }

    [Test]
    public void Encode_UserDefinedToken_IsMatchedEvenWithoutParsing()
    {
        // llama.cpp partitions user-defined tokens out before pre-tokenizing, parse_special or not;
        // the reference ids for "Führer" (37 100014 71 6245) depend on it.
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        Assert.That(t.Encode("Führer", parseSpecial: false), Is.EqualTo((int[])[37, 100014, 71, 6245]));
        Assert.That(t.Encode("Führer", parseSpecial: true), Is.EqualTo((int[])[37, 100014, 71, 6245]));
    }

    [Test]
    public void Encode_SentencePieceAfterSpecialToken_GetsSpacePrefix()
    {
        // llama.cpp inserts the space prefix at the start and after every special token.
        Tokenizer t = VocabReference.Tokenizer(VocabReference.LlamaSpm);
        Assert.That(t.Encode("<s>Hello", parseSpecial: true), Is.EqualTo((int[])[1, 15043]));
        Assert.That(t.Encode("Hello</s>Hello", parseSpecial: true), Is.EqualTo((int[])[15043, 2, 15043]));
        int[] plain = t.Encode("<s>Hello", parseSpecial: false);
        Assert.That(plain, Does.Not.Contain(1));
        Assert.That(t.Decode(plain), Is.EqualTo("<s>Hello"));
    }

    [Test]
    public void Encode_AddBosAndEos_WrapTheIds()
    {
        foreach (string vocab in (string[])[VocabReference.DeepSeek, VocabReference.LlamaSpm])
        {
            Tokenizer t = VocabReference.Tokenizer(vocab);
            int[] bare = t.Encode("Hello world");
            Assert.That(t.Encode("Hello world", addBos: true), Is.EqualTo((int[])[t.Bos, .. bare]), vocab);
            Assert.That(t.Encode("Hello world", addBos: true, addEos: true), Is.EqualTo((int[])[t.Bos, .. bare, t.Eos]), vocab);
            Assert.That(t.Encode("", addBos: true), Is.EqualTo((int[])[t.Bos]), vocab);
            Assert.That(t.Encode(""), Is.Empty, vocab);
        }
    }

    [Test]
    public void Encode_IntoList_AppendsToWhatIsThere()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        var ids = new List<int> { 42 };
        t.Encode("Hello world".AsSpan(), ids, addBos: true);
        Assert.That(ids, Is.EqualTo((int[])[42, t.Bos, .. t.Encode("Hello world")]));
    }

    [Test]
    public void Decode_SpecialTokens_AreHiddenUnlessRendered()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        int[] ids = [t.Bos, .. t.Encode("Hi"), t.Eos];
        Assert.That(t.Decode(ids), Is.EqualTo("Hi"));
        Assert.That(t.Decode(ids, renderSpecial: true), Is.EqualTo(DeepSeekBos + "Hi" + DeepSeekEos));
        Assert.That(t.TokenBytes(t.Bos, renderSpecial: false).IsEmpty, Is.True);
    }

    [Test]
    public void Decode_SentencePiece_DropsOnlyTheInsertedSpace()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.LlamaSpm);
        Assert.That(t.Decode([15043]), Is.EqualTo("Hello"));
        Assert.That(t.Decode([1, 15043]), Is.EqualTo("Hello"));
        Assert.That(t.Decode([29871, 15043]), Is.EqualTo(" Hello"));
        Assert.That(t.Decode(t.Encode("  two spaces")), Is.EqualTo("  two spaces"));
    }

    [Test]
    public void TryGetId_FindsVocabularyStrings()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        Assert.That(t.TryGetId(DeepSeekEos, out int eos) && eos == t.Eos, Is.True);
        Assert.That(t.TryGetId("no such token ¤¤", out _), Is.False);
        Assert.That(() => t.TokenText(t.VocabSize), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => t.Decode([-1]), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Encode_FromManyThreads_GivesTheSameIds()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        (string Text, int[] Ids)[] cases = VocabReference.All(VocabReference.DeepSeek);
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            (string text, int[] expected) = cases[i % cases.Length];
            int[] actual = t.Encode(text);
            if (!actual.SequenceEqual(expected)) throw new AssertionException($"case {i % cases.Length} differs under concurrency");
        });
    }
}
