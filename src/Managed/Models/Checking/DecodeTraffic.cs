namespace NativeInfer.Models.Checking;

/// <summary>
/// Weight bytes one decode step (one token) reads, by category — the input of the bandwidth roofline
/// (tokens/s ≤ read bandwidth ÷ <see cref="TotalBytes"/>). Every weight is read in full except the
/// embedding (one row) and routed experts (k of E: each stacked expert tensor × k / E). With tied
/// embeddings the head reads the whole table, counted under <see cref="WeightCategory.LmHead"/>.
/// KV cache and activations are not included.
/// </summary>
public sealed record DecodeTraffic(IReadOnlyDictionary<WeightCategory, long> Bytes, IReadOnlyDictionary<WeightCategory, long> Parameters)
{
    public long TotalBytes => Bytes.Values.Sum();

    /// <summary>Parameters a token touches ("active parameters"), counted the same way.</summary>
    public long TotalParameters => Parameters.Values.Sum();

    /// <summary>The roofline: tokens per second at <paramref name="bytesPerSecond"/> of read bandwidth.</summary>
    public double TokensPerSecondAt(double bytesPerSecond) => TotalBytes == 0 ? double.PositiveInfinity : bytesPerSecond / TotalBytes;
}
