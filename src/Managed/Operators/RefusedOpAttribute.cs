namespace NativeInfer.Operators;

/// <summary>
/// An op name KTransformers' rule files use that NativeInfer refuses while planning, with the reason
/// (KLinearFP8: no FP8 weights in GGUF, no FP8 kernel). On the operator class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RefusedOpAttribute(string name, string reason) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Completes "&lt;kind&gt; op '&lt;name&gt;' …" in the error.</summary>
    public string Reason { get; } = reason;
}
