using NativeInfer.Config.Builders;
using NativeInfer.Injection;
using NativeInfer.Models;

namespace NativeInfer.Runtime;

/// <summary>How a model is loaded: which rules decide the operators, and the registries to consult.</summary>
public sealed record ModelOptions
{
    /// <summary>A rule file (KTransformers YAML); none = every module gets its built-in CPU operator.</summary>
    public string? RulesPath { get; init; }

    /// <summary>Rules given directly (takes precedence over <see cref="RulesPath"/>).</summary>
    public IReadOnlyList<InjectionRule>? Rules { get; init; }

    public InjectionOptions Injection { get; init; } = new();

    /// <summary>Config builders (null = the built-ins).</summary>
    public ModelConfigBuilders? ConfigBuilders { get; init; }

    /// <summary>Architecture → model definition (null = the built-ins).</summary>
    public ModuleMap? ModuleMap { get; init; }

    /// <summary>Huge pages, preloading and locking of the mapped weights.</summary>
    public WeightMemoryOptions Memory { get; init; } = new();
}
