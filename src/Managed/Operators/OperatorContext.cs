using NativeInfer.Config;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// What an operator is constructed with — the analog of KTransformers' BaseInjectedModule contract:
/// its key (module path), the weights source, the model config, the original module, its devices and
/// the rule's remaining kwargs (already bound to the operator's options by the injector).
/// </summary>
public sealed class OperatorContext
{
    public required string Key { get; init; }
    public required Module Module { get; init; }
    public required ModelConfig Config { get; init; }
    public required IWeightSource Weights { get; init; }
    public Device GenerateDevice { get; init; } = Device.Cpu;
    public Device PrefillDevice { get; init; } = Device.Cpu;
    public Device OutDevice { get; init; } = Device.Cpu;

    /// <summary>generate_op / prefill_op from the rule, when given (operator-specific names).</summary>
    public string? GenerateOp { get; init; }
    public string? PrefillOp { get; init; }

    /// <summary>The options object the rule's other kwargs were bound to (null when the operator takes none).</summary>
    public object? Options { get; init; }

    /// <summary>"file.yaml:12 (rule 3)" for messages, or "default".</summary>
    public string RuleLocation { get; init; } = "default";

    public T OptionsAs<T>() where T : class, new() => Options as T ?? new T();
}
