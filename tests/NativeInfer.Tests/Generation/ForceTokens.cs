using NativeInfer.Generation.Sampling;

namespace NativeInfer.Tests.Generation;

/// <summary>A logits processor that makes the i-th generated token <c>tokens[i]</c> (all other logits −∞), then lets the model choose.</summary>
internal sealed class ForceTokens(params int[] tokens) : ILogitsProcessor
{
    public void Process(Span<float> logits, in LogitsContext context)
    {
        if (context.Generated >= tokens.Length) return;
        logits.Fill(float.NegativeInfinity);
        logits[tokens[context.Generated]] = 0;
    }
}

/// <summary>Records a hash of the raw logits of every step (bit patterns), to compare runs bit for bit.</summary>
internal sealed class LogitsHasher : ILogitsProcessor
{
    public List<ulong> Hashes { get; } = [];

    public void Process(Span<float> logits, in LogitsContext context)
    {
        ulong h = 14695981039346656037UL; // FNV-1a over the float bits
        foreach (float f in logits)
        {
            h ^= BitConverter.SingleToUInt32Bits(f);
            h *= 1099511628211UL;
        }
        Hashes.Add(h);
    }
}
