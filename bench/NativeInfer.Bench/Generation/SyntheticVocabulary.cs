using NativeInfer.Gguf;
using NativeInfer.Tokenization;

namespace NativeInfer.Bench.Generation;

/// <summary>
/// A tokenizer for the synthetic models, which carry no tokenizer metadata: a SentencePiece vocabulary of the
/// model's size built in memory (unk, BOS, EOS, the 256 byte tokens, then ASCII pieces "▁w0", "▁w1", …), so the
/// generation benchmark streams real text pieces through the streaming decoder. Bench only.
/// </summary>
public static class SyntheticVocabulary
{
    public static Tokenizer Create(int size)
    {
        var tokens = new List<string>(size) { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        while (tokens.Count < size) tokens.Add($"▁w{tokens.Count}");
        int[] types = [2, 3, 3, .. Enumerable.Repeat(6, 256), .. Enumerable.Repeat(1, size - 259)];
        float[] scores = [.. Enumerable.Range(0, size).Select(i => -(float)i)];
        var writer = new GgufWriter();
        writer.AddString("tokenizer.ggml.model", "llama");
        writer.AddStringArray("tokenizer.ggml.tokens", tokens);
        writer.AddArray<int>("tokenizer.ggml.token_type", types);
        writer.AddArray<float>("tokenizer.ggml.scores", scores);
        writer.AddUInt32("tokenizer.ggml.bos_token_id", 1);
        writer.AddUInt32("tokenizer.ggml.eos_token_id", 2);
        var image = new MemoryStream();
        writer.WriteTo(image);
        using GgufFile file = GgufFile.FromMemory(image.ToArray(), "synthetic-vocabulary.gguf");
        return Tokenizer.FromGguf(file);
    }
}
