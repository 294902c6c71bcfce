using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Injection;

/// <summary>
/// The planning half of a GPU backend (NativeInfer.Gpu's decode path implements it; the runtime cannot reference
/// that assembly): which CUDA devices it can open, which modules it runs there, and whether a plan's CUDA
/// placement as a whole is one it can execute. Set through <see cref="InjectionOptions.Gpu"/> (or
/// <c>ModelOptions.Gpu</c>, which also executes the plan); without one, only operators with a CUDA op of their own
/// (KLinearMarlin) run on a GPU.
/// </summary>
public interface IGpuPlacement
{
    /// <summary>What runs the modules it takes, for the explain table and messages ("GpuDecodePath").</summary>
    string Name { get; }

    /// <summary>Whether <paramref name="device"/> (cuda:N) can be opened, and why not.</summary>
    (bool Available, string Reason) Probe(Device device);

    /// <summary>
    /// Whether it runs <paramref name="module"/> (handled by <paramref name="op"/>, null = no operator) on a CUDA
    /// device; when not, the reason (null = it does).
    /// </summary>
    string? WhyNot(Module module, OperatorDescriptor? op);

    /// <summary>
    /// Prompts run as decode steps (one token at a time), so a module's prefill phase runs where its generate
    /// phase does, whatever prefill_device says.
    /// </summary>
    bool PrefillRunsAsDecode { get; }

    /// <summary>Throws <see cref="InjectionException"/> naming the first module whose placement it cannot run with the rest.</summary>
    void CheckPlan(InjectionPlan plan);
}
