namespace NativeInfer.Operators;

/// <summary>
/// The generate and prefill implementations an operator created at bind (the same object when both phases name
/// the same op), and the pick per call by <see cref="ForwardContext.PhaseOf"/>.
/// </summary>
public readonly struct PhaseImplementations<T>(T generate, T prefill) where T : class
{
    public T Generate { get; } = generate;
    public T Prefill { get; } = prefill;

    /// <summary>The implementation for a call over <paramref name="tokens"/> tokens.</summary>
    public T For(int tokens) => ForwardContext.PhaseOf(tokens) == ForwardPhase.Generate ? Generate : Prefill;

    /// <summary>Disposes each distinct implementation that is disposable.</summary>
    public void Dispose()
    {
        (Generate as IDisposable)?.Dispose();
        if (!ReferenceEquals(Prefill, Generate)) (Prefill as IDisposable)?.Dispose();
    }
}
