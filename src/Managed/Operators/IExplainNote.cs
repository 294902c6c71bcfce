namespace NativeInfer.Operators;

/// <summary>
/// Options whose kwargs the runtime accepts but maps onto something else (KTransformers' AMX backends
/// onto the CPU kernels) implement this; `rules explain` shows the note next to the module's device.
/// </summary>
public interface IExplainNote
{
    string? Note { get; }
}
