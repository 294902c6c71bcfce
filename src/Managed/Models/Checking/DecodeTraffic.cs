using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Models.Checking;

/// <summary>
/// Weight bytes one decode step (one token) reads, by category — the input of the bandwidth roofline
/// (tokens/s ≤ read bandwidth ÷ <see cref="TotalBytes"/>). Every weight is read in full except the
/// embedding (one row) and routed experts (k of E: each stacked expert tensor × k / E). With tied
/// embeddings the head reads the whole table, counted under <see cref="WeightCategory.LmHead"/>.
/// KV cache and activations are not included. <see cref="CategoryOf"/> and <see cref="PerToken"/> are the one
/// statement of that rule: <see cref="ModelCheck"/> applies it to the tensors a file holds, InferenceModel to the
/// tensors its operators bind.
/// </summary>
public sealed record DecodeTraffic(IReadOnlyDictionary<WeightCategory, long> Bytes, IReadOnlyDictionary<WeightCategory, long> Parameters)
{
    public long TotalBytes => Bytes.Values.Sum();

    /// <summary>Parameters a token touches ("active parameters"), counted the same way.</summary>
    public long TotalParameters => Parameters.Values.Sum();

    /// <summary>The roofline: tokens per second at <paramref name="bytesPerSecond"/> of read bandwidth.</summary>
    public double TokensPerSecondAt(double bytesPerSecond) => TotalBytes == 0 ? double.PositiveInfinity : bytesPerSecond / TotalBytes;

    /// <summary>
    /// Of a tensor of <paramref name="category"/> (<paramref name="whole"/> bytes or elements, <paramref name="oneRow"/>
    /// per row), what one token reads: the embedding one row, routed experts k of E, everything else all of it.
    /// </summary>
    public static double PerToken(WeightCategory category, long whole, long oneRow, ModelConfig config) => category switch
    {
        WeightCategory.Embedding => oneRow,
        WeightCategory.RoutedExperts when config.Moe is { } moe => whole * ((double)moe.ExpertsPerToken / moe.NumExperts),
        _ => whole,
    };

    /// <summary>Which part of the model a module's weights are, from its class and its ancestors.</summary>
    public static WeightCategory CategoryOf(Module m)
    {
        if (m is Embedding) return WeightCategory.Embedding;
        if (m is Linear && m.Parent is CausalLM) return WeightCategory.LmHead;
        if (m is RMSNorm) return WeightCategory.Norm;
        if (m is Experts) return WeightCategory.RoutedExperts;
        bool inMlp = false;
        for (Module? a = m; a is not null; a = a.Parent)
        {
            if (a is SparseMoeBlock) return inMlp ? WeightCategory.SharedExperts : WeightCategory.Router;
            if (a is Mlp) inMlp = true;
        }
        if (inMlp) return WeightCategory.DenseMlp;
        for (Module? a = m; a is not null; a = a.Parent)
            if (a is LatentAttention or MultiHeadAttention || a.Name == "self_attn") return WeightCategory.Attention;
        return WeightCategory.Other;
    }
}
