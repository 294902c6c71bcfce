namespace NativeInfer.Operators;

/// <summary>Names the rule kwarg (snake_case, as in KTransformers' YAML) an options property binds to.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class KwargAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
