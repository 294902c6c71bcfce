using NativeInfer.Kernels;
using NativeInfer.Tensors;

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

    public ForwardPhase Phase => PhaseOf(Tokens);

    /// <summary>
    /// The one rule for which implementation a call runs: one token is generate (decode), several are prefill. Per call
    /// (an operator's <c>n</c>), so the head's one-row call at the end of a prefill runs the generate implementation.
    /// </summary>
    public static ForwardPhase PhaseOf(int tokens) => tokens == 1 ? ForwardPhase.Generate : ForwardPhase.Prefill;

    /// <summary>Checked between layers: a long prefill stops within one layer's time of a cancel request.</summary>
    public CancellationToken Cancellation { get; internal set; }

    /// <summary>Cancelled when the session is disposed (from another thread): checked with <see cref="Cancellation"/>.</summary>
    public CancellationToken Lifetime { get; internal set; }

    /// <summary>Throws <see cref="OperationCanceledException"/> when the caller cancelled or the session is being disposed.</summary>
    public void ThrowIfCancelled()
    {
        Cancellation.ThrowIfCancellationRequested();
        Lifetime.ThrowIfCancellationRequested();
    }

    /// <summary>Tokens the cache holds once this pass has written its own.</summary>
    public int TotalLength => StartPosition + Tokens;

    /// <summary>No stage of this pass has produced a non-finite hidden state (<see cref="FirstNonFiniteStage"/>).</summary>
    public const int AllFinite = int.MinValue;

    /// <summary>
    /// Where the hidden state first held a NaN or infinity in this pass: −1 the embedding, 0…L−1 that layer,
    /// L the final norm; <see cref="AllFinite"/> when none did. The decoder stack records it (a vectorised
    /// check per stage, cheap next to the stage) so a non-finite logit can be traced to its layer.
    /// </summary>
    public int FirstNonFiniteStage { get; private set; } = AllFinite;

    /// <summary>Records <paramref name="stage"/> when it is the first whose output <paramref name="values"/> is not all finite.</summary>
    public unsafe void CheckFinite(int stage, float* values, long count)
    {
        if (FirstNonFiniteStage == AllFinite && !Finite.All(new ReadOnlySpan<float>(values, checked((int)count)))) FirstNonFiniteStage = stage;
    }

    /// <summary>Prepares the context for a pass of <paramref name="tokens"/> tokens starting at <paramref name="start"/>.</summary>
    public void Begin(int start, int tokens, CancellationToken cancellation = default)
    {
        StartPosition = start;
        Tokens = tokens;
        Cancellation = cancellation;
        FirstNonFiniteStage = AllFinite;
        Scratch.Reset();
    }
}
