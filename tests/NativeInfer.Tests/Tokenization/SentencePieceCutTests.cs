using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>
/// SentencePiece merges word by word (cut before "▁" where no token spans the cut); llama.cpp merges
/// the whole text at once. Both must give the same ids.
/// </summary>
public class SentencePieceCutTests
{
    [Test]
    public void WordByWord_EqualsWholeText_OnReferenceAndRandomTexts()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.LlamaSpm);
        var whole = new SentencePieceEncoder(t.Vocabulary, addSpacePrefix: true, t.Unknown, cutWords: false);
        var cut = (SentencePieceEncoder)t.Encoder;
        string[] words = ["Hello", " ", "  ", "world", "\n", "\t", "123", "a.b", "🦙", "中文", "ﬁ", "don't", "   x", "▁", "<s>", "ü", "ΐ", "\u00A0"];
        var random = new Random(99);
        IEnumerable<string> texts = VocabReference.All(VocabReference.LlamaSpm).Select(c => c.Text)
            .Concat(Enumerable.Range(0, 2000).Select(_ => string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => words[random.Next(words.Length)]))));
        foreach (string text in texts.Where(x => x.Length > 0))
        {
            var expected = new List<int>();
            var actual = new List<int>();
            whole.Encode(text, afterSpecial: true, expected, new EncodeScratch());
            cut.Encode(text, afterSpecial: true, actual, new EncodeScratch());
            Assert.That(actual, Is.EqualTo(expected), TokenizerReferenceTests.Show(text));
        }
    }
}
