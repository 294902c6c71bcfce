namespace NativeInfer.Operators;

/// <summary>
/// Makes a class an operator a rule's <c>replace.class</c> can name: the registry
/// (<see cref="Injection.OperatorRegistry"/>) is built from these attributes, so the name in a YAML file
/// leads straight to the class that carries it. One class may carry several names (SparseMoeOperator is
/// KDeepseekV2MoE, KQwen2MoeSparseMoeBlock, …), each for its own module classes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class OperatorAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Other names for the same operator: KTransformers' Python paths and its later class names.</summary>
    public string[] Aliases { get; set; } = [];

    /// <summary>The module classes (and their subclasses) the operator applies to; empty = any.</summary>
    public Type[] Modules { get; set; } = [];

    /// <summary>The options type a rule's kwargs bind to (properties marked [Kwarg]); null = it takes none.</summary>
    public Type? Options { get; set; }

    /// <summary>
    /// Whether this is what modules of <see cref="Modules"/> get with no rule or with <c>class: default</c>
    /// (the most derived module class with a default wins).
    /// </summary>
    public bool IsDefault { get; set; }
}
