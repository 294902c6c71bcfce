using NativeInfer.Kernels;
using NativeInfer.Runtime;

namespace NativeInfer.Operators;

/// <summary>Which of an operator's two implementations runs (KTransformers' generate_op / prefill_op).</summary>
public enum ForwardPhase
{
    /// <summary>Several tokens in one batch (the prompt).</summary>
    Prefill,

    /// <summary>One token (decode).</summary>
    Generate,
}

/// <summary>
/// What every operator's Forward sees besides its inputs: the session's kernel pool, scratch arena and
/// KV cache, and the batch (token count, first position). One per session, updated in place for
/// every pass so a decode step allocates nothing.
/// </summary>
public sealed unsafe class ForwardContext(KernelPool pool, ScratchArena scratch, KvCache cache)
{
    public KernelPool Pool { get; } = pool;
    public ScratchArena Scratch { get; } = scratch;
    public KvCache Cache { get; } = cache;

    /// <summary>Tokens in this pass.</summary>
    public int Tokens { get; internal set; }

    /// <summary>Position of the first token of the pass; token i sits at StartPosition + i.</summary>
    public int StartPosition { get; internal set; }

    public ForwardPhase Phase => Tokens == 1 ? ForwardPhase.Generate : ForwardPhase.Prefill;

    /// <summary>Checked between layers: a long prefill stops within one layer's time of a cancel request.</summary>
    public CancellationToken Cancellation { get; internal set; }

    /// <summary>Tokens the cache holds once this pass has written its own.</summary>
    public int TotalLength => StartPosition + Tokens;

    /// <summary>Prepares the context for a pass of <paramref name="tokens"/> tokens starting at <paramref name="start"/>.</summary>
    public void Begin(int start, int tokens, CancellationToken cancellation = default)
    {
        StartPosition = start;
        Tokens = tokens;
        Cancellation = cancellation;
        Scratch.Reset();
    }
}
