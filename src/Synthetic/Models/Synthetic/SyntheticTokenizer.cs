using NativeInfer.Chat;
using NativeInfer.Gguf;
using NativeInfer.Tokenization;
using NativeInfer.Tokenization.Training;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// The tokenizer a synthetic model carries: either a byte-level BPE vocabulary trained on a text
/// (<see cref="Train"/>) or the <c>tokenizer.*</c> metadata of an existing GGUF file (<see cref="CopyFrom"/>).
/// Both are held as a vocabulary-only GGUF, so the <see cref="Tokenization.Tokenizer"/> here is read by
/// the same loader the runtime uses, and the keys are copied into the model file verbatim.
/// </summary>
public sealed class SyntheticTokenizer : IDisposable
{
    /// <summary>The pre-tokenizer of trained vocabularies: GPT-2's word split, which the runtime supports.</summary>
    public const string PreTokenizerName = "gpt-2";

    private const string Prefix = "tokenizer.";
    private readonly GgufFile _metadata;

    private SyntheticTokenizer(GgufFile metadata, Func<Tokenizer, string> describe)
    {
        _metadata = metadata;
        try
        {
            Tokenizer = Tokenizer.FromGguf(metadata);
            Description = describe(Tokenizer);
        }
        catch
        {
            metadata.Dispose();
            throw;
        }
    }

    public Tokenizer Tokenizer { get; }

    public int VocabSize => Tokenizer.VocabSize;

    /// <summary>One line for summaries: "trained byte-level BPE (812 tokens)" or where it was copied from.</summary>
    public string Description { get; }

    /// <summary>
    /// Trains a byte-level BPE vocabulary on <paramref name="texts"/> with at most
    /// <paramref name="maxVocab"/> tokens in all: the 256 bytes, the learned merges, then DeepSeek's BOS
    /// and EOS as control tokens. The DeepSeek-V2 chat template goes with it, so chat prompts work.
    /// </summary>
    public static SyntheticTokenizer Train(IEnumerable<string> texts, int maxVocab)
    {
        const int specials = 2;
        if (maxVocab < 256 + specials) throw new ArgumentOutOfRangeException(nameof(maxVocab), $"a byte-level vocabulary needs at least {256 + specials} tokens, got {maxVocab}");
        TrainedBpe bpe = ByteLevelBpeTrainer.Train(texts, PreTokenizerName, maxVocab - specials);

        var tokens = bpe.Tokens.Append(DeepSeekV2ChatTemplate.DefaultBos).Append(DeepSeekV2ChatTemplate.DefaultEos).ToArray();
        var types = new int[tokens.Length];
        Array.Fill(types, (int)TokenType.Normal);
        int bos = tokens.Length - 2, eos = tokens.Length - 1;
        types[bos] = types[eos] = (int)TokenType.Control;

        var w = new GgufWriter();
        w.AddString("tokenizer.ggml.model", "gpt2");
        w.AddString("tokenizer.ggml.pre", PreTokenizerName);
        w.AddStringArray("tokenizer.ggml.tokens", tokens);
        w.AddArray<int>("tokenizer.ggml.token_type", types);
        w.AddStringArray("tokenizer.ggml.merges", bpe.Merges);
        w.AddUInt32("tokenizer.ggml.bos_token_id", (uint)bos);
        w.AddUInt32("tokenizer.ggml.eos_token_id", (uint)eos);
        w.AddBool("tokenizer.ggml.add_bos_token", true);
        w.AddBool("tokenizer.ggml.add_eos_token", false);
        w.AddString(ChatTemplates.MetadataKey, KnownChatTemplates.DeepSeekV2);
        var image = new MemoryStream();
        w.WriteTo(image);
        return new SyntheticTokenizer(GgufFile.FromMemory(image.ToArray(), "trained vocabulary"),
                                      t => $"byte-level BPE trained on the demo text ({t.VocabSize} tokens, {bpe.Merges.Count} merges)");
    }

    /// <summary>Every <c>tokenizer.*</c> key of a GGUF file (a vocabulary-only file or a model).</summary>
    /// <exception cref="TokenizerException">The file has no tokenizer the runtime can read.</exception>
    /// <exception cref="GgufFormatException">The file is not a valid GGUF file.</exception>
    public static SyntheticTokenizer CopyFrom(string path)
    {
        using GgufFile source = GgufFile.Open(path);
        var w = new GgufWriter();
        foreach (GgufMetadataEntry e in source.Metadata)
            if (e.Key.StartsWith(Prefix, StringComparison.Ordinal)) w.Add(e);
        if (w.MetadataCount == 0)
            throw new TokenizerException(path, "tokenizer.ggml.model", "no tokenizer.* metadata to copy");
        var image = new MemoryStream();
        w.WriteTo(image);
        return new SyntheticTokenizer(GgufFile.FromMemory(image.ToArray(), path),
                                      t => $"copied from {Path.GetFileName(path)} ({t.Kind}, {t.VocabSize} tokens)");
    }

    /// <summary>Adds the tokenizer keys to a model being written.</summary>
    internal void AddTo(GgufWriter writer)
    {
        foreach (GgufMetadataEntry e in _metadata.Metadata) writer.Add(e);
    }

    public void Dispose() => _metadata.Dispose();
}
