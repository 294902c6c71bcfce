using System.Text;
using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>
/// The streaming decoder never emits part of a character: it holds bytes back until the token that
/// completes them, and what it emits adds up to Decode of the same ids.
/// </summary>
public class StreamingDecoderTests
{
    private static readonly string[] Texts =
    [
        "Hello 🦙 world 😶‍🌫️ and 🚀!",
        "我想在apple工作1314151天～",
        "កាន់តែពិសេសអាចខលចេញ",
        "нещо на Български, Führer, ½ months",
        "mixed: 👍🏽 e\u0301 \U0001F9D1\u200D\U0001F4BB 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ];

    private static IEnumerable<TestCaseData> Cases() =>
        from vocab in new[] { VocabReference.DeepSeek, VocabReference.LlamaSpm }
        from i in Enumerable.Range(0, Texts.Length)
        select new TestCaseData(vocab, i).SetArgDisplayNames(vocab.Replace("ggml-vocab-", "").Replace(".gguf", ""), i.ToString());

    [TestCaseSource(nameof(Cases))]
    public void Append_SplitCharacters_AreHeldBackUntilComplete(string vocab, int index)
    {
        Tokenizer t = VocabReference.Tokenizer(vocab);
        string text = Texts[index];
        int[] ids = t.Encode(text);
        StreamingDecoder decoder = t.CreateStreamingDecoder(stripSpacePrefix: true);
        var streamed = new StringBuilder();
        int heldBack = 0;
        foreach (int id in ids)
        {
            string part = decoder.Append(id);
            Assert.That(part, Does.Not.Contain("\uFFFD"), $"token {id} emitted a replacement character");
            Assert.That(IsWellFormed(part), Is.True, $"token {id} emitted half a surrogate pair");
            if (decoder.HeldBytes > 0) heldBack++;
            streamed.Append(part);
        }
        streamed.Append(decoder.Flush());
        Assert.That(streamed.ToString(), Is.EqualTo(t.Decode(ids)));
        Assert.That(streamed.ToString(), Is.EqualTo(text));
        if (text.Contains("🦙", StringComparison.Ordinal))
            Assert.That(heldBack, Is.GreaterThan(0), "both vocabularies spell 🦙 with several tokens; the test should see that");
    }

    [Test]
    public void Append_ByteLevelEmoji_EmitsNothingUntilTheLastByte()
    {
        // 🦙 is F0 9F A6 99; DeepSeek spells it with several byte-level tokens.
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        int[] ids = t.Encode("🦙");
        Assert.That(ids, Has.Length.GreaterThan(1));
        StreamingDecoder decoder = t.CreateStreamingDecoder();
        for (int i = 0; i < ids.Length - 1; i++) Assert.That(decoder.Append(ids[i]), Is.Empty);
        Assert.That(decoder.Append(ids[^1]), Is.EqualTo("🦙"));
        Assert.That(decoder.HeldBytes, Is.Zero);
    }

    [Test]
    public void Flush_UnfinishedCharacter_BecomesReplacementCharacter()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.LlamaSpm);
        StreamingDecoder decoder = t.CreateStreamingDecoder();
        Assert.That(decoder.Append(3 + 0xF0), Is.Empty); // <0xF0>: a 4-byte lead
        Assert.That(decoder.Append(3 + 0x9F), Is.Empty);
        Assert.That(decoder.HeldBytes, Is.EqualTo(2));
        Assert.That(decoder.Flush(), Is.EqualTo("\uFFFD"));
        Assert.That(decoder.HeldBytes, Is.Zero);
    }

    [Test]
    public void Append_ByteThatCannotStartACharacter_IsReplacedAtOnce()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.LlamaSpm);
        StreamingDecoder decoder = t.CreateStreamingDecoder();
        Assert.That(decoder.Append(3 + 0x80), Is.EqualTo("\uFFFD")); // a lone continuation byte
        Assert.That(decoder.Append(3 + 0xE2), Is.Empty);
        Assert.That(decoder.Append(3 + 'A'), Is.EqualTo("\uFFFDA"), "E2 followed by 'A' can never complete");
    }

    [Test]
    public void Append_SpecialTokens_FollowRenderSpecial()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        Assert.That(t.CreateStreamingDecoder().Append(t.Eos), Is.Empty);
        Assert.That(t.CreateStreamingDecoder(renderSpecial: true).Append(t.Eos), Is.EqualTo(t.TokenText(t.Eos)));
    }

    [Test]
    public void Append_WithoutStrip_KeepsSentencePieceSpace()
    {
        // Continuing after a prompt: "▁world" is " world".
        Tokenizer t = VocabReference.Tokenizer(VocabReference.LlamaSpm);
        int world = t.Encode("world")[0];
        Assert.That(t.CreateStreamingDecoder().Append(world), Is.EqualTo(" world"));
        Assert.That(t.CreateStreamingDecoder(stripSpacePrefix: true).Append(world), Is.EqualTo("world"));
    }

    [Test]
    public void Append_SpanOverload_AllocatesNothing()
    {
        Tokenizer t = VocabReference.Tokenizer(VocabReference.DeepSeek);
        int[] ids = t.Encode(string.Concat(Enumerable.Repeat(Texts[0] + Texts[1], 20)));
        StreamingDecoder decoder = t.CreateStreamingDecoder();
        Span<char> chars = stackalloc char[decoder.MaxCharsPerToken];
        foreach (int id in ids) decoder.Append(id, chars); // warm up
        decoder.Reset();

        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        foreach (int id in ids) total += decoder.Append(id, chars);
        total += decoder.Flush(chars);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(total, Is.EqualTo(t.Decode(ids).Length));
    }

    private static bool IsWellFormed(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }
}
