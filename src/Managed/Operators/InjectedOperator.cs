using NativeInfer.Config;
using NativeInfer.Models.Modules;

namespace NativeInfer.Operators;

/// <summary>
/// Base of every operator a rule can inject. Construction must not touch weights (the plan is built
/// and explained before anything is loaded); <see cref="Bind"/> runs once all operators exist and
/// binds weights (zero-copy views) and the operators of child modules it calls.
/// User operators derive from this (or implement the role interfaces directly) and keep the
/// <c>(OperatorContext)</c> constructor.
/// </summary>
public abstract class InjectedOperator(OperatorContext context)
{
    public OperatorContext Context { get; } = context;
    public string Key => Context.Key;
    public Module Module => Context.Module;
    public ModelConfig Config => Context.Config;

    /// <summary>Binds weights and child operators. Throws <see cref="ModelLoadException"/> naming what is wrong.</summary>
    public virtual void Bind(OperatorBinder binder) { }

    public override string ToString() => $"{GetType().Name} @ {Key}";
}
