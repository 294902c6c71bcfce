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

    private static SyntheticVocab ByteLevelVocab() => SyntheticVocab.ByteLevel();
}
