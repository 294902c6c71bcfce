using NativeInfer.Gguf;

namespace NativeInfer.Tokenization;

/// <summary>
/// Reads <c>tokenizer.ggml.*</c> metadata into a <see cref="Tokenizer"/>, validating as it goes: every
/// problem becomes a <see cref="TokenizerException"/> naming the key. Defaults follow llama.cpp's
/// vocabulary loader, except that a byte-level BPE vocabulary without BOS/EOS keys gets none
/// (llama.cpp falls back to token 11, a GPT-NeoX leftover).
/// </summary>
internal static class TokenizerLoader
{
    private const string Prefix = "tokenizer.ggml.";
    public const string ModelKey = Prefix + "model";
    public const string PreKey = Prefix + "pre";
    public const string TokensKey = Prefix + "tokens";
    public const string ScoresKey = Prefix + "scores";
    public const string TypesKey = Prefix + "token_type";
    public const string MergesKey = Prefix + "merges";
    public const string BosKey = Prefix + "bos_token_id";
    public const string EosKey = Prefix + "eos_token_id";
    public const string UnknownKey = Prefix + "unknown_token_id";
    public const string PaddingKey = Prefix + "padding_token_id";
    public const string EotKey = Prefix + "eot_token_id";
    public const string EomKey = Prefix + "eom_token_id";
    public const string AddBosKey = Prefix + "add_bos_token";
    public const string AddEosKey = Prefix + "add_eos_token";
    public const string AddSpacePrefixKey = Prefix + "add_space_prefix";

    /// <summary>The values of tokenizer.ggml.model this runtime reads.</summary>
    public static readonly string[] SupportedModels = ["gpt2", "llama"];

    /// <summary>Texts llama.cpp treats as end of turn when no eot_token_id says otherwise.</summary>
    private static readonly string[] EndOfTurnTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>", "<|eom_id|>",
    ];

    public static Tokenizer Load(GgufMetadata m)
    {
        ArgumentNullException.ThrowIfNull(m);
        string source = m.Source;
        string model = Read(m, ModelKey, () => m.TryGetString(ModelKey, out string v) ? v : null)
            ?? throw new TokenizerException(source, ModelKey, $"metadata key '{ModelKey}' is missing (supported: {string.Join(", ", SupportedModels)})");
        TokenizerKind kind = model switch
        {
            "gpt2" => TokenizerKind.ByteLevelBpe,
            "llama" => TokenizerKind.SentencePiece,
            _ => throw new TokenizerException(source, ModelKey,
                $"{ModelKey} '{model}' is not supported (supported: {string.Join(", ", SupportedModels)})"),
        };

        // The pre-tokenizer first: an unsupported one should be reported before the vocabulary is read.
        PreTokenizerCatalog.Entry? pre = null;
        string preName = kind == TokenizerKind.SentencePiece ? "spm" : "default";
        if (kind == TokenizerKind.ByteLevelBpe)
        {
            string? named = Read(m, PreKey, () => m.TryGetString(PreKey, out string v) ? v : null);
            if (!string.IsNullOrEmpty(named)) preName = named;
            pre = PreTokenizerCatalog.Find(preName) ?? throw new TokenizerException(source, PreKey,
                $"{PreKey} '{preName}' is not supported (supported: {string.Join(", ", PreTokenizerCatalog.SupportedNames)})");
        }

        string[] texts = Read(m, TokensKey, () => m.TryGetStringArray(TokensKey, out string[] v) ? v : null)
            ?? throw new TokenizerException(source, TokensKey, $"metadata key '{TokensKey}' is missing");
        if (texts.Length == 0) throw new TokenizerException(source, TokensKey, $"{TokensKey} is empty");
        int n = texts.Length;
        float[] scores = ReadScores(m, n);
        TokenType[] types = ReadTypes(m, n);

        Vocabulary vocab;
        try
        {
            vocab = new Vocabulary(texts, types, scores);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerException(source, TokensKey, $"{TokensKey}: {e.Message}", e);
        }

        int defaultBos = kind == TokenizerKind.SentencePiece ? 1 : -1;
        int defaultEos = kind == TokenizerKind.SentencePiece ? 2 : -1;
        int defaultUnknown = kind == TokenizerKind.SentencePiece ? 0 : -1;
        int bos = ReadId(m, BosKey, defaultBos, n);
        int eos = ReadId(m, EosKey, defaultEos, n);
        int unknown = ReadId(m, UnknownKey, defaultUnknown, n);
        int padding = ReadId(m, PaddingKey, -1, n);
        int eot = ReadId(m, EotKey, -1, n);
        int eom = ReadId(m, EomKey, -1, n);

        bool addBos = ReadFlag(m, AddBosKey, kind == TokenizerKind.SentencePiece || pre!.AddBosDefault);
        bool addEos = ReadFlag(m, AddEosKey, false);
        bool addSpacePrefix = kind == TokenizerKind.SentencePiece && ReadFlag(m, AddSpacePrefixKey, true);
        if (addBos && bos < 0) throw new TokenizerException(source, AddBosKey, $"{AddBosKey} is true, but {BosKey} is not set");
        if (addEos && eos < 0) throw new TokenizerException(source, AddEosKey, $"{AddEosKey} is true, but {EosKey} is not set");

        var endOfGeneration = new HashSet<int>();
        foreach (int id in (int[])[eos, eot, eom]) if (id >= 0) endOfGeneration.Add(id);
        if (eot < 0)
            foreach (string text in EndOfTurnTexts)
                if (vocab.TryGetId(text, out int id) && vocab.Types[id] == TokenType.Control) endOfGeneration.Add(id);
        var ids = new TokenizerSpecialIds(bos, eos, unknown, padding, endOfGeneration);

        TextEncoder encoder = kind == TokenizerKind.SentencePiece
            ? new SentencePieceEncoder(vocab, addSpacePrefix, unknown)
            : new ByteLevelBpeEncoder(vocab, new PreTokenizer(preName, pre!.Regexes), ReadMerges(m, vocab), pre.IgnoreMerges);
        try
        {
            return new Tokenizer(source, kind, preName, vocab, encoder, ids, addBos, addEos, addSpacePrefix);
        }
        catch (FormatException e)
        {
            throw new TokenizerException(source, TokensKey, e.Message, e);
        }
    }

    private static float[] ReadScores(GgufMetadata m, int n)
    {
        float[]? scores = Read(m, ScoresKey, () =>
            m.TypeOf(ScoresKey) is null ? null
            : m.GetEntry(ScoresKey).ElementType == GgufValueType.Float32 ? m.GetFloat32Array(ScoresKey)
            : Array.ConvertAll(m.GetIntegerArray(ScoresKey), x => (float)x));
        if (scores is null) return new float[n];
        if (scores.Length != n)
            throw new TokenizerException(m.Source, ScoresKey, $"{ScoresKey} has {scores.Length} entries but {TokensKey} has {n}");
        return scores;
    }

    private static TokenType[] ReadTypes(GgufMetadata m, int n)
    {
        long[]? raw = Read(m, TypesKey, () => m.TypeOf(TypesKey) is null ? null : m.GetIntegerArray(TypesKey));
        var types = new TokenType[n];
        if (raw is null)
        {
            Array.Fill(types, TokenType.Normal);
            return types;
        }
        if (raw.Length != n)
            throw new TokenizerException(m.Source, TypesKey, $"{TypesKey} has {raw.Length} entries but {TokensKey} has {n}");
        for (int i = 0; i < n; i++)
            types[i] = raw[i] is >= 0 and <= 6 ? (TokenType)raw[i] : TokenType.Undefined; // as llama.cpp: unknown values are undefined
        return types;
    }

    /// <summary>Merges as "left right" lines; rank = line number. Both halves and their concatenation must be tokens.</summary>
    private static PairMergeTable ReadMerges(GgufMetadata m, Vocabulary vocab)
    {
        string[] merges = Read(m, MergesKey, () => m.TryGetStringArray(MergesKey, out string[] v) ? v : null)
            ?? throw new TokenizerException(m.Source, MergesKey, $"metadata key '{MergesKey}' is missing (byte-level BPE needs its merges)");
        var table = new PairMergeTable(merges.Length);
        for (int rank = 0; rank < merges.Length; rank++)
        {
            string line = merges[rank];
            int space = line.Length > 1 ? line.IndexOf(' ', 1) : -1; // as llama.cpp: the first space after the first character
            if (space < 0)
                throw new TokenizerException(m.Source, MergesKey, $"{MergesKey}[{rank}] '{line}' is not two tokens separated by a space");
            ReadOnlySpan<char> left = line.AsSpan(0, space), right = line.AsSpan(space + 1);
            int leftId = vocab.IdOrMinusOne(left), rightId = vocab.IdOrMinusOne(right);
            string? missing = leftId < 0 ? left.ToString() : rightId < 0 ? right.ToString() : null;
            if (missing is not null)
                throw new TokenizerException(m.Source, MergesKey, $"{MergesKey}[{rank}] '{line}' names '{missing}', which is not in {TokensKey}");
            string merged = string.Concat(left, right);
            if (!vocab.TryGetId(merged, out int mergedId))
                throw new TokenizerException(m.Source, MergesKey, $"{MergesKey}[{rank}] '{line}' makes '{merged}', which is not in {TokensKey}");
            table.TryAdd(leftId, rightId, rank, mergedId);
        }
        return table;
    }

    /// <summary>An id key: absent → the default (dropped to -1 if outside the vocabulary, as llama.cpp does); present → must be a valid id.</summary>
    private static int ReadId(GgufMetadata m, string key, int defaultId, int vocabSize)
    {
        long? value = Read(m, key, () => m.TryGetInteger(key, out long v) ? v : (long?)null);
        if (value is null) return defaultId < vocabSize ? defaultId : -1;
        if (value < 0 || value >= vocabSize)
            throw new TokenizerException(m.Source, key, $"{key} = {value} is outside the vocabulary (0..{vocabSize - 1})");
        return (int)value;
    }

    private static bool ReadFlag(GgufMetadata m, string key, bool defaultValue) =>
        Read(m, key, () => m.TryGetBool(key, out bool v) ? v : (bool?)null) ?? defaultValue;

    /// <summary>Runs a metadata read, turning a type mismatch into a TokenizerException naming the key.</summary>
    private static T Read<T>(GgufMetadata m, string key, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (GgufMetadataException e)
        {
            throw new TokenizerException(m.Source, key, $"metadata key '{key}' is {e.Actual ?? "missing"}, expected {e.Expected}", e);
        }
    }
}
