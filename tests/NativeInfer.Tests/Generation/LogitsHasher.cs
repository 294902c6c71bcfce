using NativeInfer.Generation.Sampling;

namespace NativeInfer.Tests.Generation;

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
