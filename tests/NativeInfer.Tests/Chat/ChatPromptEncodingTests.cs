using NativeInfer.Chat;
using NativeInfer.Gguf;
using NativeInfer.Tests.Support;
using NativeInfer.Tests.Tokenization;
using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Chat;

/// <summary>
/// Tokenizing rendered prompts with the real vocabularies: the template's special-token texts become
/// their ids, and the prompt carries exactly one BOS.
/// </summary>
public class ChatPromptEncodingTests
{
    private static readonly ChatMessage[] Conversation =
        [ChatMessage.System("You are terse."), ChatMessage.User("Hello"), ChatMessage.Assistant("Hi there"), ChatMessage.User("Who are you?")];

    private static Tokenizer Vocab(string name)
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData(Path.Combine("vocab", $"ggml-vocab-{name}.gguf")));
        return Tokenizer.FromGguf(file);
    }

    [Test]
    public void EncodePrompt_DeepSeekV2_OneBosAndTheEndOfTurnAsEos()
    {
        Tokenizer tok = Vocab("deepseek-llm");
        string prompt = ChatTemplates.ByName("deepseek-v2").Render(Conversation, addGenerationPrompt: true);
        int[] ids = tok.EncodePrompt(prompt);

        Assert.That(tok.TokenText(tok.Bos), Is.EqualTo("<｜begin▁of▁sentence｜>"));
        Assert.That(tok.TokenText(tok.Eos), Is.EqualTo("<｜end▁of▁sentence｜>"));
        Assert.That(ids[0], Is.EqualTo(tok.Bos));
        Assert.That(ids.Count(id => id == tok.Bos), Is.EqualTo(1), "no second BOS, whatever the vocabulary's add_bos");
        Assert.That(ids.Count(id => id == tok.Eos), Is.EqualTo(1), "the assistant turn ends in EOS");
        Assert.That(tok.Decode(ids, renderSpecial: true), Is.EqualTo(prompt));
        // The same text without special-token parsing spells the markers out in ordinary tokens.
        Assert.That(tok.Encode(prompt, parseSpecial: false), Does.Not.Contain(tok.Bos).And.Not.Contain(tok.Eos));
    }

    [Test]
    public void EncodePrompt_MistralV1OnSentencePiece_OneBosAndEos()
    {
        Tokenizer tok = Vocab("llama-spm");
        Assert.That((tok.TokenText(tok.Bos), tok.TokenText(tok.Eos), tok.AddBos), Is.EqualTo(("<s>", "</s>", true)));
        int[] ids = tok.EncodePrompt(ChatTemplates.ByName("mistral-v1"), Conversation);
        Assert.That(ids[0], Is.EqualTo(tok.Bos));
        Assert.That(ids.Count(id => id == tok.Bos), Is.EqualTo(1), "the template's <s> is the only BOS though the vocabulary adds one");
        Assert.That(ids.Count(id => id == tok.Eos), Is.EqualTo(1));
    }

    [Test]
    public void EncodePrompt_TemplateWithoutBos_GetsOneWhenTheModelWantsIt()
    {
        // ChatML renders no BOS; llama-spm's add_bos is true, so one is put in front (as llama.cpp does).
        Tokenizer tok = Vocab("llama-spm");
        int[] ids = tok.EncodePrompt(ChatTemplates.ByName("chatml"), Conversation);
        Assert.That(ids[0], Is.EqualTo(tok.Bos));
        Assert.That(ids.Count(id => id == tok.Bos), Is.EqualTo(1));
        Assert.That(ids[1..], Is.EqualTo(tok.Encode(ChatTemplates.ByName("chatml").Render(Conversation, true), parseSpecial: true)));
    }

    [Test]
    public void EncodePrompt_ModelWithoutAddBos_GetsNoBosFromTheEncoder()
    {
        // A byte-level vocabulary with add_bos false: the prompt's ids are exactly its text's.
        Tokenizer tok = ByteLevelVocab().Build();
        Assert.That(tok.AddBos, Is.False);
        Assert.That(tok.EncodePrompt("Hello world"), Is.EqualTo(tok.Encode("Hello world")));
        Assert.That(tok.EncodePrompt("<|start|>Hello"), Is.EqualTo(new[] { tok.Bos }.Concat(tok.Encode("Hello"))));
        Assert.That(tok.EncodePrompt(""), Is.Empty);
    }

    [Test]
    public void EncodePrompt_ModelWithAddBos_AddsItOnlyWhenMissing()
    {
        Tokenizer tok = ByteLevelVocab().Bool("tokenizer.ggml.add_bos_token", true).Build();
        Assert.That(tok.EncodePrompt("Hello"), Is.EqualTo(new[] { tok.Bos }.Concat(tok.Encode("Hello"))));
        Assert.That(tok.EncodePrompt("<|start|>Hello"), Is.EqualTo(new[] { tok.Bos }.Concat(tok.Encode("Hello"))));
        Assert.That(tok.EncodePrompt(""), Is.EqualTo(new[] { tok.Bos }));
    }

    [Test]
    public void EncodePrompt_DeepSeekR1_TheChatMarkersAreSingleTokens()
    {
        Tokenizer tok = DeepSeekVocabWith(addBos: true, "<｜User｜>", "<｜Assistant｜>", "<think>", "</think>");
        int user = Id(tok, "<｜User｜>"), assistant = Id(tok, "<｜Assistant｜>"), think = Id(tok, "<think>"), endThink = Id(tok, "</think>");
        ChatMessage[] conversation =
        [
            ChatMessage.System("You are terse."), ChatMessage.User("Hello"), ChatMessage.Assistant("<think>\nGreet back.\n</think>\n\nHi there"), ChatMessage.User("Who are you?"),
        ];
        string prompt = ChatTemplates.ByName("deepseek-r1").Render(conversation, addGenerationPrompt: true);
        int[] ids = tok.EncodePrompt(prompt);

        Assert.That(ids[0], Is.EqualTo(tok.Bos));
        Assert.That(ids.Count(id => id == tok.Bos), Is.EqualTo(1));
        Assert.That((ids.Count(id => id == user), ids.Count(id => id == assistant)), Is.EqualTo((2, 2)));
        Assert.That(ids[^3..], Is.EqualTo(new[] { assistant, think }.Concat(tok.Encode("\n"))), "the prompt ends by opening the reasoning");
        Assert.That(ids.Count(id => id == endThink), Is.Zero, "the earlier reply's reasoning is not in the prompt");
        Assert.That(ids.Count(id => id == tok.Eos), Is.EqualTo(1), "the earlier reply ends in EOS");
        Assert.That(tok.Decode(ids, renderSpecial: true), Is.EqualTo(prompt));
    }

    [Test]
    public void EncodePrompt_Qwen3ThinkingOff_TheEmptyThinkingBlockIsTwoTokensAndLineFeeds()
    {
        // Qwen3's GGUFs set add_bos_token false: the prompt starts with <|im_start|>.
        Tokenizer tok = DeepSeekVocabWith(addBos: false, "<|im_start|>", "<|im_end|>", "<think>", "</think>");
        int start = Id(tok, "<|im_start|>"), end = Id(tok, "<|im_end|>"), think = Id(tok, "<think>"), endThink = Id(tok, "</think>");
        string prompt = ChatTemplates.ByName("qwen3", new ChatTemplateOptions { EnableThinking = false }).Render([ChatMessage.User("Hello")], addGenerationPrompt: true);
        int[] ids = tok.EncodePrompt(prompt);

        Assert.That(ids[0], Is.EqualTo(start));
        Assert.That(ids, Does.Not.Contain(tok.Bos));
        Assert.That((ids.Count(id => id == start), ids.Count(id => id == end)), Is.EqualTo((2, 1)));
        int[] block = [think, .. tok.Encode("\n\n"), endThink, .. tok.Encode("\n\n")];
        Assert.That(ids[^block.Length..], Is.EqualTo(block));
        Assert.That(tok.Decode(ids, renderSpecial: true), Is.EqualTo(prompt));
    }

    /// <summary>
    /// The DeepSeek vocabulary with <paramref name="added"/> appended as control tokens — the chat markers DeepSeek-V3/R1
    /// and Qwen3 add to their vocabularies, which the reference vocabularies here lack.
    /// </summary>
    private static Tokenizer DeepSeekVocabWith(bool addBos, params string[] added)
    {
        using GgufFile source = GgufFile.Open(RepoPaths.RequireTestData(Path.Combine("vocab", "ggml-vocab-deepseek-llm.gguf")));
        string[] tokens = source.Metadata.GetStringArray("tokenizer.ggml.tokens");
        int[] types = source.Metadata.GetArray<int>("tokenizer.ggml.token_type");
        Assert.That(added.Where(tokens.Contains), Is.Empty, "the reference vocabulary does not have them yet");
        var writer = new GgufWriter();
        foreach (GgufMetadataEntry entry in source.Metadata)
            if (entry.Key is not ("tokenizer.ggml.tokens" or "tokenizer.ggml.token_type" or "tokenizer.ggml.add_bos_token")) writer.Add(entry);
        writer.AddStringArray("tokenizer.ggml.tokens", [.. tokens, .. added]);
        writer.AddArray<int>("tokenizer.ggml.token_type", [.. types, .. added.Select(_ => 3)]);
        writer.AddBool("tokenizer.ggml.add_bos_token", addBos);
        var image = new MemoryStream();
        writer.WriteTo(image);
        using GgufFile file = GgufFile.FromMemory(image.ToArray(), "deepseek-llm+chat-markers.gguf");
        return Tokenizer.FromGguf(file);
    }

    private static int Id(Tokenizer tok, string text)
    {
        int[] ids = tok.Encode(text, parseSpecial: true);
        Assert.That(ids, Has.Length.EqualTo(1), text);
        return ids[0];
    }

    private static SyntheticVocab ByteLevelVocab() => SyntheticVocab.ByteLevel();
}
