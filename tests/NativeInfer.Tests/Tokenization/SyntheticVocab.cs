using NativeInfer.Gguf;
using NativeInfer.Tokenization;

namespace NativeInfer.Tests.Tokenization;

/// <summary>
/// Small vocabulary-only GGUF images built in memory with GgufWriter, for tests that need a
/// particular model, pre-tokenizer or a broken piece of metadata.
/// </summary>
internal sealed class SyntheticVocab
{
    private readonly Dictionary<string, Action<GgufWriter>> _entries = new(StringComparer.Ordinal);

    /// <summary>A byte-level BPE vocabulary: the 256 byte characters, a few merges, two control tokens and a user-defined one.</summary>
    public static SyntheticVocab ByteLevel(string pre = "gpt-2")
    {
        var tokens = Enumerable.Range(0, 256).Select(b => ((char)ByteLevelAlphabetOf(b)).ToString()).ToList();
        string[] merges = ["Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "H e", "l l", "He ll", "Hell o"];
        foreach (string m in merges) tokens.Add(m.Replace(" ", ""));
        tokens.Add("<|start|>");
        tokens.Add("<|end|>");
        tokens.Add("<|user|>");
        var types = Enumerable.Repeat(1, tokens.Count).ToArray();
        types[^3] = 3;
        types[^2] = 3;
        types[^1] = 4;
        return new SyntheticVocab()
            .String("tokenizer.ggml.model", "gpt2")
            .String("tokenizer.ggml.pre", pre)
            .Strings("tokenizer.ggml.tokens", tokens)
            .Ints("tokenizer.ggml.token_type", types)
            .Strings("tokenizer.ggml.merges", merges)
            .UInt("tokenizer.ggml.bos_token_id", (uint)tokens.Count - 3)
            .UInt("tokenizer.ggml.eos_token_id", (uint)tokens.Count - 2);
    }

    /// <summary>A SentencePiece vocabulary: unk, bos, eos, 256 byte tokens and a few scored pieces.</summary>
    public static SyntheticVocab SentencePiece()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        string[] pieces = ["▁", "H", "e", "l", "o", "▁H", "ll", "▁He", "▁Hell", "▁Hello", "w", "r", "d", "▁w", "or", "▁wor", "ld", "▁world"];
        tokens.AddRange(pieces);
        int[] types = [2, 3, 3, .. Enumerable.Repeat(6, 256), .. Enumerable.Repeat(1, pieces.Length)];
        float[] scores = [0, 0, 0, .. new float[256], .. pieces.Select((_, i) => -(float)i)];
        return new SyntheticVocab()
            .String("tokenizer.ggml.model", "llama")
            .Strings("tokenizer.ggml.tokens", tokens)
            .Floats("tokenizer.ggml.scores", scores)
            .Ints("tokenizer.ggml.token_type", types);
    }

    public SyntheticVocab String(string key, string value) => Set(key, w => w.AddString(key, value));
    public SyntheticVocab Strings(string key, IEnumerable<string> values) { var copy = values.ToArray(); return Set(key, w => w.AddStringArray(key, copy)); }
    public SyntheticVocab Ints(string key, int[] values) => Set(key, w => w.AddArray<int>(key, values));
    public SyntheticVocab Floats(string key, float[] values) => Set(key, w => w.AddArray<float>(key, values));
    public SyntheticVocab UInt(string key, uint value) => Set(key, w => w.AddUInt32(key, value));
    public SyntheticVocab Bool(string key, bool value) => Set(key, w => w.AddBool(key, value));
    public SyntheticVocab Without(string key) { _entries.Remove(key); return this; }

    private SyntheticVocab Set(string key, Action<GgufWriter> add)
    {
        _entries[key] = add;
        return this;
    }

    public Tokenizer Build()
    {
        using GgufFile file = GgufFile.FromMemory(ToImage(), "synthetic.gguf");
        return Tokenizer.FromGguf(file);
    }

    /// <summary>Adds the vocabulary's metadata to <paramref name="writer"/> (a model file being written).</summary>
    public GgufWriter AddTo(GgufWriter writer)
    {
        foreach (Action<GgufWriter> add in _entries.Values) add(writer);
        return writer;
    }

    public byte[] ToImage()
    {
        var writer = AddTo(new GgufWriter());
        var image = new MemoryStream();
        writer.WriteTo(image);
        return image.ToArray();
    }

    private static int ByteLevelAlphabetOf(int b)
    {
        // GPT-2's table, written out independently of the runtime's ByteLevelAlphabet.
        bool printable = b is (>= 0x21 and <= 0x7E) or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
        if (printable) return b;
        int n = 0;
        for (int i = 0; i < b; i++)
            if (!(i is (>= 0x21 and <= 0x7E) or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF))) n++;
        return 256 + n;
    }
}
