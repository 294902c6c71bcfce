using NativeInfer.Operators;

namespace NativeInfer.Tests.Injection;

/// <summary>The kwargs of <see cref="ScaledLinear"/>: a rule's <c>scale: 2.0</c> binds here by its [Kwarg] name.</summary>
public sealed class ScaledLinearOptions
{
    [Kwarg("scale")]
    public float Scale { get; set; } = 1f;
}
