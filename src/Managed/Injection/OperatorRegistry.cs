using System.Reflection;
using Module = NativeInfer.Models.Modules.Module;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;

namespace NativeInfer.Injection;

/// <summary>
/// Operator names a rule's <c>replace.class</c> may use, read from the [Operator] attributes of the
/// classes of the runtime assembly (and of any assembly a user registers): each name and alias (KTransformers'
/// Python paths: "ktransformers.operators.experts.KTransformersExperts") leads to the class that carries it.
/// Assembly-qualified .NET types deriving from <see cref="InjectedOperator"/> resolve too. Also the default
/// operator of each module class (what "default" and unmatched modules get).
/// </summary>
public sealed class OperatorRegistry
{
    private readonly Dictionary<string, OperatorDescriptor> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, OperatorDescriptor?> _defaults = [];

    /// <summary>The runtime's operators: every [Operator] class of this assembly.</summary>
    public static OperatorRegistry CreateDefault()
    {
        var r = new OperatorRegistry().RegisterAssembly(typeof(InjectedOperator).Assembly);
        // Modules whose parent reads their weights get no operator (kv_b_proj: the attention absorbs it);
        // nor do container modules no operator claims.
        r.SetDefault(typeof(KvBProjection), null);
        r.SetDefault(typeof(Module), null);
        return r;
    }

    /// <summary>Registers every class of <paramref name="assembly"/> marked with [Operator], under its names and aliases.</summary>
    public OperatorRegistry RegisterAssembly(Assembly assembly)
    {
        foreach (Type type in assembly.GetTypes())
            foreach (OperatorAttribute a in type.GetCustomAttributes<OperatorAttribute>())
            {
                if (!typeof(InjectedOperator).IsAssignableFrom(type) || type.IsAbstract)
                    throw new InjectionException($"[Operator(\"{a.Name}\")] marks {type.FullName}, which is not a concrete {nameof(InjectedOperator)}");
                var descriptor = Describe(type, a);
                Register(descriptor);
                foreach (string alias in a.Aliases) _byName[alias] = descriptor;
                if (a.IsDefault)
                    foreach (Type module in a.Modules) SetDefault(module, descriptor);
            }
        return this;
    }

    /// <summary>The descriptor of one [Operator] name: its phase ops, and the devices they run on, come from <see cref="PhaseOps"/>.</summary>
    public static OperatorDescriptor Describe(Type type, OperatorAttribute a)
    {
        if (!PhaseOps.TakesOps(type)) return new OperatorDescriptor(a.Name, type, a.Modules, a.Options);
        IReadOnlyList<PhaseOp> ops = PhaseOps.Of(type);
        return new OperatorDescriptor(a.Name, type, a.Modules, a.Options, op => PhaseOps.Resolve(type, op))
        {
            CudaOp = ops.FirstOrDefault(o => o.RunsOnCuda)?.Name,
            CudaOnlyOps = PhaseOps.CudaOnly(type),
            CpuOp = ops.FirstOrDefault(o => o.Attribute.IsDefault && o.RunsOnCpu)?.Name,
        };
    }

    public void Register(OperatorDescriptor descriptor) => _byName[descriptor.Name] = descriptor;

    public void Alias(string alias, string name) => _byName[alias] = _byName[name];

    /// <summary>The default operator for modules of <paramref name="moduleType"/> and its subclasses (null = none).</summary>
    public void SetDefault(Type moduleType, OperatorDescriptor? descriptor) => _defaults[moduleType] = descriptor;

    /// <summary>The default of the most derived class of <paramref name="module"/> that has one.</summary>
    public OperatorDescriptor? DefaultFor(Module module) => DefaultEntry(module)?.Operator;

    /// <summary>
    /// Whether modules of this class are declared to get no operator because their parent reads their
    /// weights itself (kv_b_proj) — not merely unknown classes, which fall to the catch-all <see cref="Module"/> entry.
    /// </summary>
    public bool IsReadByParent(Module module) => DefaultEntry(module) is { Operator: null } d && d.Module != typeof(Module);

    private (Type Module, OperatorDescriptor? Operator)? DefaultEntry(Module module)
    {
        for (Type? t = module.GetType(); t is not null; t = t.BaseType)
            if (_defaults.TryGetValue(t, out OperatorDescriptor? d)) return (t, d);
        return null;
    }

    /// <summary>The operator a rule names; null when unknown.</summary>
    public OperatorDescriptor? Resolve(string name)
    {
        if (_byName.TryGetValue(name, out OperatorDescriptor? d)) return d;
        Type? t = Type.GetType(name, throwOnError: false);
        if (t is null || !typeof(InjectedOperator).IsAssignableFrom(t) || t.IsAbstract) return null;
        if (t.GetConstructor([typeof(OperatorContext)]) is null) return null;
        // A user type carrying [Operator]: its declared modules and options; otherwise any module, options from its Options property.
        if (t.GetCustomAttribute<OperatorAttribute>() is { } a) return Describe(t, a) with { Name = t.FullName ?? t.Name };
        Type? options = t.GetProperty("Options")?.PropertyType;
        return new OperatorDescriptor(t.FullName ?? t.Name, t, [], options is { IsClass: true } && options != typeof(object) ? options : null);
    }

    public IEnumerable<string> Names => _byName.Keys.Where(k => !k.Contains('.')).OrderBy(k => k, StringComparer.Ordinal);
}
