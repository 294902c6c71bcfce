namespace NativeInfer.Operators;

/// <summary>
/// Makes a class an implementation a rule's <c>generate_op</c> / <c>prefill_op</c> can name for the
/// operator <see cref="Of"/> (KLinearCPU for KTransformersLinear). The operator creates the named class
/// once, at bind, for each phase; <see cref="PhaseOps"/> finds them.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PhaseOpAttribute(string name, Type of) : Attribute
{
    public string Name { get; } = name;

    /// <summary>The operator (an <see cref="InjectedOperator"/>) whose phases this class implements.</summary>
    public Type Of { get; } = of;

    /// <summary>KTransformers' names for the same implementation (KLinearTorch for KLinearCPU).</summary>
    public string[] Aliases { get; set; } = [];

    /// <summary>
    /// Where it runs. An op that runs only on CUDA becomes the operator's default op when the CPU fallback
    /// moves its phase to the CPU; an op that can run on CUDA is what runs when a rule places a phase there.
    /// </summary>
    public OperatorDevices Devices { get; set; } = OperatorDevices.Cpu;

    /// <summary>What runs when the rule names no op.</summary>
    public bool IsDefault { get; set; }
}
