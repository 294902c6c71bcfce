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
    public static IReadOnlyList<string> Architectures { get; } = ["deepseek2", "qwen2moe", "llama"];

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
        if (!options.RandomWeights)
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
            "qwen2moe" => WithExperts(Qwen2MoeSyntheticSpec.Tiny(vocab), o.Experts),
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

    private static Qwen2MoeSyntheticSpec WithExperts(Qwen2MoeSyntheticSpec s, int? experts) =>
        experts is int n ? s with { Experts = n, ExpertsPerToken = Math.Clamp(n, 1, s.ExpertsPerToken) } : s;
}
