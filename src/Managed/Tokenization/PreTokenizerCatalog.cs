namespace NativeInfer.Tokenization;

/// <summary>
/// The <c>tokenizer.ggml.pre</c> values this runtime supports, each with llama.cpp's regex list
/// (llm_tokenizer_bpe) and the flags llama.cpp's vocabulary loader sets for it. One row per
/// pre-tokenizer; aliases share a row. Regexes are written exactly as llama.cpp has them: the
/// GPT-2 and Llama 3 ones select the hand-written scanners, the rest are translated by <see cref="RegexSplit"/>.
/// </summary>
internal static class PreTokenizerCatalog
{
    /// <param name="Names">The values of tokenizer.ggml.pre that select this row.</param>
    /// <param name="Regexes">Applied in order, each to every piece the previous one produced.</param>
    /// <param name="IgnoreMerges">A word that is itself a token is emitted whole, without merging (Llama 3).</param>
    /// <param name="AddBosDefault">add_bos when tokenizer.ggml.add_bos_token is absent.</param>
    internal sealed record Entry(string[] Names, string[] Regexes, bool IgnoreMerges = false, bool AddBosDefault = false);

    public static readonly Entry[] Entries =
    [
        // llama.cpp's fallback list for "default" (and for a missing tokenizer.ggml.pre).
        new(["default"],
        [
            @"[\p{P}\$\+<=>\^~\|]+",
            Gpt2Split.Regex,
            @"\p{N}+",
            "[0-9][0-9][0-9]",
        ]),
        new(["gpt-2"], [Gpt2Split.Regex]),
        new(["llama-bpe", "llama3", "llama-v3"], [Llama3Split.Regex], IgnoreMerges: true, AddBosDefault: true),
        new(["deepseek-llm"],
        [
            "[\r\n]",
            // Cased letters of many scripts; written with escapes because editors normalize some of these
            // characters (U+1F7D, U+1FD3, U+2126, …) to other codepoints, which changes the ranges.
            "\\s?[" + DeepSeekLetters + "]+",
            "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
            "\\s+$",
            "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
            "\\p{N}+",
        ]),
        new(["deepseek-coder"],
        [
            "[\r\n]",
            @"\s?\p{L}+",
            @"\s?\p{P}+",
            "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
            @"\p{N}",
        ]),
        new(["deepseek-v3"],
        [
            @"\p{N}{1,3}",
            "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
        ]),
        new(["qwen2", "deepseek-r1-qwen"], [Llama3Split.Qwen2Regex]),
    ];

    private const string DeepSeekLetters =
        "A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\U00010400-\U0001044F\U000104B0-\U000104D3\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2\U000118A0-\U000118DF\U0001E900-\U0001E943";

    public static IEnumerable<string> SupportedNames => Entries.SelectMany(e => e.Names);

    public static Entry? Find(string name) => Entries.FirstOrDefault(e => e.Names.Contains(name, StringComparer.Ordinal));
}
