namespace NativeInfer.Operators;

/// <summary>
/// An op name KTransformers runs on a GPU that has no implementation here (KExpertsMarlin). The planner
/// treats it as CUDA-only: on the CPU it is an error, or with the CPU fallback the operator's default op
/// runs; on a CUDA device the operator has no implementation to run. On the operator class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UnimplementedCudaOpAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
