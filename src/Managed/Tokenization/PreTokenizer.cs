namespace NativeInfer.Tokenization;

/// <summary>
/// Splits text into the words byte-level BPE merges within: the regexes of one
/// <c>tokenizer.ggml.pre</c> type applied in order, each to every piece the previous one left.
/// The GPT-2 and Llama 3 patterns run as llama.cpp's hand-written scanners (llama.cpp substitutes
/// those for exactly these pattern strings); simple class runs through <see cref="ClassRunSplit"/>;
/// everything else through <see cref="RegexSplit"/>.
/// </summary>
internal sealed class PreTokenizer
{
    private readonly SplitStage[] _stages;

    public PreTokenizer(string name, IReadOnlyList<string> patterns)
    {
        Name = name;
        _stages = patterns.Select(CreateStage).ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<SplitStage> Stages => _stages;

    public static SplitStage CreateStage(string pattern)
    {
        switch (pattern)
        {
            case Gpt2Split.Regex: return new Gpt2Split();
            case Llama3Split.Regex or Llama3Split.RegexCaseInsensitive: return new Llama3Split();
            case Llama3Split.Qwen2Regex: return new Llama3Split(digitsPerGroup: 1);
        }
        var translation = new PatternTranslation(pattern);
        return ClassRunSplit.TryCreate(translation) ?? (SplitStage)new RegexSplit(translation);
    }

    /// <summary>
    /// Splits <paramref name="codepoints"/>; the returned span (lengths in codepoints, in order,
    /// covering the input) lives in one of the scratch buffers until the next call.
    /// </summary>
    public ReadOnlySpan<int> Split(ReadOnlySpan<int> codepoints, EncodeScratch scratch)
    {
        GrowableBuffer<int> current = scratch.PiecesA, next = scratch.PiecesB;
        current.Clear();
        if (codepoints.IsEmpty) return current.Span;
        current.Add(codepoints.Length);
        foreach (SplitStage stage in _stages)
        {
            next.Clear();
            stage.Split(codepoints, current.Span, next, scratch.Chars);
            (current, next) = (next, current);
        }
        return current.Span;
    }
}
