using NativeInfer.Chat;
using NativeInfer.Gguf;
using NativeInfer.Tests.Support;
using NativeInfer.Tests.Tokenization;

namespace NativeInfer.Tests.Chat;

/// <summary>
/// <see cref="ChatTemplates.FromGguf"/>. The tiny reference models carry no chat template, so templates
/// are tested on GGUF files written here: a tiny model's metadata copied with GgufWriter plus a
/// <c>tokenizer.chat_template</c>.
/// </summary>
public class ChatTemplateGgufTests
{
    private static readonly string[] TinyModels =
    [
        "tiny-deepseek2-f32.gguf", "tiny-deepseek2-lite-f32.gguf", "tiny-deepseek2-q.gguf", "tiny-qwen2moe-f32.gguf", "tiny-qwen2moe-q.gguf",
        "tiny-deepseek3-q.gguf", "tiny-qwen3moe-q.gguf",
    ];

    private static readonly ChatMessage[] Conversation = [ChatMessage.User("Hello"), ChatMessage.Assistant("Hi there"), ChatMessage.User("Who are you?")];

    /// <summary>The metadata of a tiny model (no tensors), with <paramref name="template"/> added when not null.</summary>
    private static GgufFile CopyWithTemplate(string model, string? template)
    {
        using GgufFile source = GgufFile.Open(RepoPaths.RequireTestData(Path.Combine("models", model)));
        var writer = new GgufWriter();
        foreach (GgufMetadataEntry entry in source.Metadata) writer.Add(entry);
        if (template is not null) writer.AddString(ChatTemplates.MetadataKey, template);
        var image = new MemoryStream();
        writer.WriteTo(image);
        return GgufFile.FromMemory(image.ToArray(), model + " (copy)");
    }

    [TestCaseSource(nameof(TinyModels))]
    public void TinyModel_HasNoChatTemplate_AndSaysSoUnlessOverridden(string model)
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData(Path.Combine("models", model)));
        Assert.That(file.Metadata.Contains(ChatTemplates.MetadataKey), Is.False, "the reference models were written without a chat template");

        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplates.FromGguf(file))!;
        Assert.That(e.Source, Is.EqualTo(file.Source));
        Assert.That(e.TemplateExcerpt, Is.Null);
        Assert.That(e.Message, Does.Contain(file.Source).And.Contain("no chat template").And.Contain("tokenizer.chat_template")
                                  .And.Contain("deepseek-v2").And.Contain("ChatTemplateOptions.Family"));

        Assert.That(ChatTemplates.FromGguf(file, new ChatTemplateOptions { Family = "qwen2" }).Name, Is.EqualTo("qwen2"));
        IChatTemplate custom = ChatTemplates.ByName("chatml");
        Assert.That(ChatTemplates.FromGguf(file, new ChatTemplateOptions { Template = custom }), Is.SameAs(custom));
    }

    [Test]
    public void FromGguf_DeepSeekTemplate_IsDetectedAndUsesTheVocabularysSpecialTokens()
    {
        // tiny-deepseek2-q uses the 102400-token DeepSeek vocabulary: BOS 100000, EOS 100001.
        using GgufFile file = CopyWithTemplate("tiny-deepseek2-q.gguf", PublishedTemplates.DeepSeekV2Chat);
        IChatTemplate template = ChatTemplates.FromGguf(file);
        Assert.That(template.Name, Is.EqualTo("deepseek-v2"));
        Assert.That(template.Render(Conversation, true),
            Is.EqualTo("<｜begin▁of▁sentence｜>User: Hello\n\nAssistant: Hi there<｜end▁of▁sentence｜>User: Who are you?\n\nAssistant:"));
    }

    [Test]
    public void FromGguf_QwenTemplateOnTheQwenMoeModel_IsDetected()
    {
        using GgufFile file = CopyWithTemplate("tiny-qwen2moe-q.gguf", PublishedTemplates.Qwen15MoeChat);
        IChatTemplate template = ChatTemplates.FromGguf(file);
        Assert.That(template.Name, Is.EqualTo("qwen2"));
        Assert.That(template.Render([ChatMessage.User("Hello")], true),
            Is.EqualTo("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"));
    }

    [Test]
    public void FromGguf_DeepSeekR1TemplateOnTheDeepSeekV3Model_IsDetectedWithTheVocabularysBos()
    {
        using GgufFile file = CopyWithTemplate("tiny-deepseek3-q.gguf", PublishedTemplates.DeepSeekR1);
        IChatTemplate template = ChatTemplates.FromGguf(file);
        Assert.That(template.Name, Is.EqualTo("deepseek-r1"));
        Assert.That(template.Render(Conversation, true),
            Is.EqualTo("<｜begin▁of▁sentence｜><｜User｜>Hello<｜Assistant｜>Hi there<｜end▁of▁sentence｜><｜User｜>Who are you?<｜Assistant｜><think>\n"));
    }

    [Test]
    public void FromGguf_Qwen3TemplateOnTheQwen3MoeModel_TakesTheThinkingSwitch()
    {
        using GgufFile file = CopyWithTemplate("tiny-qwen3moe-q.gguf", PublishedTemplates.Qwen3);
        Assert.That(ChatTemplates.FromGguf(file).Render([ChatMessage.User("Hello")], true),
            Is.EqualTo("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"));
        Assert.That(ChatTemplates.FromGguf(file, new ChatTemplateOptions { EnableThinking = false }).Render([ChatMessage.User("Hello")], true),
            Is.EqualTo("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        // The switch applies to a forced family or a custom template with one too, and is an error for one without.
        Assert.That(ChatTemplates.FromGguf(file, new ChatTemplateOptions { Family = "qwen3", EnableThinking = false }).Render([ChatMessage.User("Hello")], true),
            Does.EndWith("<think>\n\n</think>\n\n"));
        Assert.Throws<ChatTemplateException>(() => ChatTemplates.FromGguf(file, new ChatTemplateOptions { Family = "chatml", EnableThinking = false }));
    }

    [Test]
    public void FromGguf_SentencePieceVocabulary_GivesMistralItsBosAndEosTexts()
    {
        // The -f32 tiny models use the llama-spm vocabulary, whose BOS/EOS are <s> and </s>.
        using GgufFile file = CopyWithTemplate("tiny-deepseek2-f32.gguf", PublishedTemplates.MistralV1);
        IChatTemplate template = ChatTemplates.FromGguf(file);
        Assert.That(template.Name, Is.EqualTo("mistral-v1"));
        Assert.That(template.Render(Conversation, true), Is.EqualTo("<s> [INST] Hello [/INST] Hi there</s> [INST] Who are you? [/INST]"));
    }

    [Test]
    public void FromGguf_UnknownTemplate_NamesTheFileAndTheTemplate_UnlessOverridden()
    {
        using GgufFile file = CopyWithTemplate("tiny-qwen2moe-q.gguf", PublishedTemplates.Gemma7BIt);
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplates.FromGguf(file))!;
        Assert.That(e.Source, Is.EqualTo(file.Source));
        Assert.That(e.Message, Does.StartWith(file.Source + ": the chat template is not one this runtime recognises: \"{% if messages[0]['role'] == 'system' %}"));
        Assert.That(e.TemplateExcerpt, Does.StartWith("{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"));

        Assert.That(ChatTemplates.FromGguf(file, new ChatTemplateOptions { Family = "chatml" }).Name, Is.EqualTo("chatml"));
    }

    [Test]
    public void FromGguf_SpecialTokenTexts_ComeFromTheVocabulary_UnlessOverridden()
    {
        // A synthetic vocabulary whose BOS/EOS texts are not any family's default.
        byte[] image = SyntheticVocab.ByteLevel()
            .String(ChatTemplates.MetadataKey, PublishedTemplates.Mixtral8x7BInstructOriginal)
            .ToImage();
        using GgufFile file = GgufFile.FromMemory(image, "synthetic.gguf");
        ChatMessage[] turns = [ChatMessage.User("a"), ChatMessage.Assistant("b")];

        Assert.That(ChatTemplates.FromGguf(file).Render(turns, false), Is.EqualTo("<|start|>[INST] a [/INST]b<|end|>"));
        Assert.That(ChatTemplates.FromGguf(file, new ChatTemplateOptions { BosToken = "<s>" }).Render(turns, false),
            Is.EqualTo("<s>[INST] a [/INST]b<|end|>"));
        Assert.That(ChatTemplates.FromGguf(file, new ChatTemplateOptions { Family = "deepseek-v2", EosToken = "<eos>" }).Render(turns, false),
            Is.EqualTo("<|start|>User: a\n\nAssistant: b<eos>"));
    }

    [Test]
    public void FromGguf_VocabularyWithoutSpecialIds_UsesTheFamilyDefaults()
    {
        byte[] image = SyntheticVocab.ByteLevel()
            .Without("tokenizer.ggml.bos_token_id").Without("tokenizer.ggml.eos_token_id")
            .String(ChatTemplates.MetadataKey, PublishedTemplates.Llama3Instruct)
            .ToImage();
        using GgufFile file = GgufFile.FromMemory(image, "synthetic.gguf");
        Assert.That(ChatTemplates.FromGguf(file).Render([ChatMessage.User("a")], false),
            Is.EqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\na<|eot_id|>"));
    }

    [Test]
    public void FromGguf_TemplateOfTheWrongType_IsAMetadataError()
    {
        byte[] image = SyntheticVocab.ByteLevel().UInt(ChatTemplates.MetadataKey, 1).ToImage();
        using GgufFile file = GgufFile.FromMemory(image, "synthetic.gguf");
        var e = Assert.Throws<GgufMetadataException>(() => ChatTemplates.FromGguf(file))!;
        Assert.That(e.Key, Is.EqualTo(ChatTemplates.MetadataKey));
    }
}
