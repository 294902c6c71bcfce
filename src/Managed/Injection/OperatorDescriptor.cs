using NativeInfer.Operators;

namespace NativeInfer.Injection;

/// <summary>
/// What the injector knows about an operator: its name, .NET type, the module classes it applies to
/// (empty = any, for user operators), its options type (bound from the rule's kwargs) and how it
/// resolves generate_op / prefill_op names (null = it takes none).
/// </summary>
public sealed record OperatorDescriptor(string Name, Type OperatorType, IReadOnlyList<Type> ModuleTypes, Type? OptionsType = null,
                                        Func<string?, string>? ResolveOp = null)
{
    /// <summary>
    /// The op that runs when a phase is placed on a CUDA device (KTransformersLinear: KLinearMarlin, for
    /// every op a rule names, as KTransformers does); null when the operator has no CUDA implementation.
    /// </summary>
    public string? CudaOp { get; init; }

    /// <summary>Whether the operator has a CUDA implementation (today: KTransformersLinear through KLinearMarlin).</summary>
    public bool RunsOnCuda => CudaOp is not null;

    /// <summary>Ops that only run on a CUDA device (KLinearMarlin, KExpertsMarlin).</summary>
    public IReadOnlySet<string> CudaOnlyOps { get; init; } = new HashSet<string>();

    /// <summary>The op a CUDA-only op becomes when the user's CPU fallback moves its phase to the CPU.</summary>
    public string? CpuOp { get; init; }

    public bool Accepts(Models.Modules.Module module) => ModuleTypes.Count == 0 || ModuleTypes.Any(t => t.IsInstanceOfType(module));

    /// <summary>Creates the operator (constructor taking an <see cref="OperatorContext"/>).</summary>
    public InjectedOperator Create(OperatorContext context)
    {
        try
        {
            return (InjectedOperator)Activator.CreateInstance(OperatorType, context)!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
