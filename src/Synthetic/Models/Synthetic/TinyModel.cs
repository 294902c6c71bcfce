using NativeInfer.Gguf;
using NativeInfer.Models.Synthetic.Demo;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// Small complete models of every supported architecture, with a tokenizer: what `nativeinfer make-tiny`
/// writes. By default the weights are constructed (<see cref="DemoWeights"/>) so that greedy decoding
/// continues text the way the demo corpus does; with <see cref="TinyModelOptions.RandomWeights"/> they
/// are random. See docs/synthetic-models.md.
/// </summary>
public static class TinyModel
{
    public static IReadOnlyList<string> Architectures { get; } = ["deepseek2", "deepseek3", "qwen2moe", "qwen3moe", "qwen3", "llama", "mixtral"];

    /// <summary>Architectures whose layer 0 has a dense MLP or a shared expert to hold the demo's lookup table; the others are written with random weights.</summary>
    public static IReadOnlyList<string> DemoArchitectures { get; } = ["deepseek2", "deepseek3", "qwen2moe", "qwen3", "llama"];

    /// <summary>The types the weight matrices may be written in.</summary>
    public static IReadOnlyList<GgmlType> WeightTypes => SyntheticTensorSink.MatrixTypes;

    /// <exception cref="SyntheticModelException">Options that cannot make a model.</exception>
    /// <exception cref="Tokenization.TokenizerException">The vocabulary file has no tokenizer the runtime reads.</exception>
    public static TinyModelSummary Write(string path, TinyModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Architectures.Contains(options.Architecture))
            throw new SyntheticModelException($"architecture '{options.Architecture}' is not one of {string.Join(", ", Architectures)}");
        using SyntheticTokenizer tokenizer = options.VocabPath is { } vocabPath
            ? SyntheticTokenizer.CopyFrom(vocabPath)
            : SyntheticTokenizer.Train(DemoCorpus.Paragraphs, options.MaxVocab);
        SyntheticModelSpec spec = Shape(options, tokenizer.VocabSize);

        DemoWeights? demo = null;
        if (!options.RandomWeights && DemoArchitectures.Contains(options.Architecture))
        {
            TokenStatistics statistics = TokenStatistics.Count(DemoCorpus.Paragraphs.Select(p => Sequence(tokenizer, p)));
            (spec, demo) = DemoWeights.Build(spec, statistics, options.Seed);
        }

        SyntheticModelSummary file = SyntheticModelWriter.Write(spec, path, new SyntheticWriteOptions
        {
            Tokenizer = tokenizer,
            Progress = options.Progress,
            Threads = options.Threads,
            Cancellation = options.Cancellation,
            Weights = demo ?? (ISyntheticWeights)RandomSyntheticWeights.Instance,
            InputPaths = options.VocabPath is { } vocab ? [vocab] : [],
        });
        return new TinyModelSummary(file, spec, tokenizer.Description, demo is not null, demo?.LookupNeurons ?? 0, demo?.UsesPreviousToken ?? false);
    }

    /// <summary>A training sequence: BOS (when the vocabulary has one), the paragraph's tokens, EOS (likewise).</summary>
    internal static int[] Sequence(SyntheticTokenizer tokenizer, string paragraph)
    {
        var ids = new List<int>();
        if (tokenizer.Tokenizer.Bos >= 0) ids.Add(tokenizer.Tokenizer.Bos);
        ids.AddRange(tokenizer.Tokenizer.Encode(paragraph));
        if (tokenizer.Tokenizer.Eos >= 0) ids.Add(tokenizer.Tokenizer.Eos);
        return ids.ToArray();
    }

    private static SyntheticModelSpec Shape(TinyModelOptions o, int vocab)
    {
        SyntheticModelSpec spec = o.Architecture switch
        {
            "deepseek2" => WithExperts(DeepseekV2SyntheticSpec.Tiny(vocab), o.Experts),
            "deepseek3" => WithV3Experts(DeepseekV2SyntheticSpec.TinyV3(vocab), o.Experts),
            "qwen2moe" => WithExperts(Qwen2MoeSyntheticSpec.Tiny(vocab), o.Experts),
            "qwen3moe" => o.Experts is int q3 ? Qwen3SyntheticSpec.Tiny(vocab) with { Experts = q3, ExpertsPerToken = Math.Clamp(q3, 1, 4) }
                : Qwen3SyntheticSpec.Tiny(vocab),
            "qwen3" => o.Experts is null ? Qwen3SyntheticSpec.TinyDense(vocab)
                : throw new SyntheticModelException("dense Qwen3 has no experts; qwen3moe has"),
            "mixtral" => o.Experts is int mx ? LlamaSyntheticSpec.TinyMixtral(vocab) with { Experts = mx, ExpertsPerToken = Math.Clamp(mx, 1, 2) }
                : LlamaSyntheticSpec.TinyMixtral(vocab),
            _ => o.Experts is null ? LlamaSyntheticSpec.Tiny(vocab)
                : throw new SyntheticModelException("llama models are dense: the number of experts does not apply"),
        };
        spec = spec.WithAllTypes(o.Type) with { Seed = o.Seed, Name = $"{spec.Name}-{o.Type.Name()}" };
        if (o.Layers is int layers) spec = spec with { Layers = layers };
        if (o.Hidden is int hidden) spec = spec with { Hidden = hidden };
        return spec;
    }

    // Top-2 routing unless there are fewer experts than that.
    private static DeepseekV2SyntheticSpec WithExperts(DeepseekV2SyntheticSpec s, int? experts) =>
        experts is int n ? s with { Experts = n, ExpertsPerToken = Math.Clamp(n, 1, s.ExpertsPerToken) } : s;

    // V3's groups need experts to split into them: 4 groups (2 kept) when they do, none otherwise.
    private static DeepseekV2SyntheticSpec WithV3Experts(DeepseekV2SyntheticSpec s, int? experts) => experts is not int n ? s
        : s with
        {
            Experts = n, ExpertsPerToken = Math.Clamp(n / 2, 1, s.ExpertsPerToken),
            ExpertGroups = n % 4 == 0 && n >= 8 ? 4 : null, ExpertGroupsUsed = n % 4 == 0 && n >= 8 ? 2 : null,
        };

    private static Qwen2MoeSyntheticSpec WithExperts(Qwen2MoeSyntheticSpec s, int? experts) =>
        experts is int n ? s with { Experts = n, ExpertsPerToken = Math.Clamp(n, 1, s.ExpertsPerToken) } : s;
}
