using NativeInfer.Config.Builders;
using NativeInfer.Injection;
using NativeInfer.Models;

namespace NativeInfer.Runtime;

/// <summary>
/// How a model is loaded: which rules decide the operators, where unplaced modules run, and the registries to
/// consult. The generation API carries the same object (<c>LanguageModelOptions.Model</c>), so what a tool can
/// set here — config builders, a module map — reaches <c>generate</c> and <c>chat</c> as well as <c>check</c>.
/// </summary>
public sealed record ModelOptions
{
    /// <summary>A rule file (KTransformers YAML); none = every module gets its built-in CPU operator.</summary>
    public string? RulesPath { get; init; }

    /// <summary>Rules given directly (takes precedence over <see cref="RulesPath"/>).</summary>
    public IReadOnlyList<InjectionRule>? Rules { get; init; }

    /// <summary>Device of modules no rule places, the CPU fallback, the operator registry and the device probe.</summary>
    public InjectionOptions Injection { get; init; } = new();

    /// <summary>Config builders (null = the built-ins).</summary>
    public ModelConfigBuilders? ConfigBuilders { get; init; }

    /// <summary>Architecture → model definition (null = the built-ins).</summary>
    public ModuleMap? ModuleMap { get; init; }

    /// <summary>
    /// The GPU backend that runs what the rules place on CUDA (NativeInfer.Gpu: <c>new GpuDecodeBackend()</c>, or its
    /// emulation on the CPU). Planning probes CUDA devices through it and fails for modules it cannot run; sessions of
    /// a model whose plan uses it run there. Null (the default): CUDA placements are as <see cref="InjectionOptions"/> says.
    /// </summary>
    public IGpuBackend? Gpu { get; init; }

    /// <summary>Huge pages, preloading and locking of the mapped weights.</summary>
    public WeightMemoryOptions Memory { get; init; } = new();

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value.</summary>
    public ModelOptions Validate()
    {
        const string T = nameof(ModelOptions);
        if (RulesPath is not null && Rules is null)
        {
            if (RulesPath.Length == 0) throw new InvalidOptionException($"{T}.{nameof(RulesPath)}", RulesPath, "must not be empty (null = no rules)");
            if (!File.Exists(RulesPath)) throw new InvalidOptionException($"{T}.{nameof(RulesPath)}", RulesPath, "file not found");
        }
        if (Memory is null) throw new InvalidOptionException($"{T}.{nameof(Memory)}", null, "must not be null");
        if (Injection is null) throw new InvalidOptionException($"{T}.{nameof(Injection)}", null, "must not be null");
        if (!Enum.IsDefined(Injection.DefaultDevice.Kind) || Injection.DefaultDevice.Index < 0)
            throw new InvalidOptionException($"{nameof(InjectionOptions)}.{nameof(InjectionOptions.DefaultDevice)}", Injection.DefaultDevice, "must be cpu or cuda:N with N ≥ 0");
        return this;
    }
}
