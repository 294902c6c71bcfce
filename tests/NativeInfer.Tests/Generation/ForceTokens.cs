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
