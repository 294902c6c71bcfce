namespace NativeInfer.Generation.Sampling;

/// <summary>
/// A user step on the raw logits, run before every built-in step (penalties, top-k, top-p, min-p,
/// temperature): set a logit to −∞ to forbid a token, add to it to favour one. Processors run in list
/// order, once per generated token, on the thread that enumerates the stream. Implementations should
/// not allocate: they run on the per-token hot path.
/// </summary>
public interface ILogitsProcessor
{
    /// <param name="logits">One logit per vocabulary id, modified in place.</param>
    /// <param name="context">The tokens the logits follow.</param>
    void Process(Span<float> logits, in LogitsContext context);
}
