using System.Collections.Concurrent;
using System.Reflection;

namespace NativeInfer.Operators;

/// <summary>One implementation an operator's generate_op / prefill_op can name: its class and attribute.</summary>
public sealed record PhaseOp(Type Type, PhaseOpAttribute Attribute)
{
    public string Name => Attribute.Name;
    public bool RunsOnCpu => Attribute.Devices.HasFlag(OperatorDevices.Cpu);
    public bool RunsOnCuda => Attribute.Devices.HasFlag(OperatorDevices.Cuda);
}

/// <summary>
/// The generate_op / prefill_op names of each operator, read from the [PhaseOp] classes of its assembly
/// and the [RefusedOp] / [UnimplementedCudaOp] attributes on the operator: resolves a name a rule uses to
/// the canonical one, and creates the implementation of a canonical name.
/// </summary>
public static class PhaseOps
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<PhaseOp>> ByOperator = new();

    /// <summary>The implementations of <paramref name="operatorType"/>, default first; empty when it takes no ops.</summary>
    public static IReadOnlyList<PhaseOp> Of(Type operatorType) => ByOperator.GetOrAdd(operatorType, static t =>
        t.Assembly.GetTypes()
            .Select(c => (Type: c, Attribute: c.GetCustomAttribute<PhaseOpAttribute>()))
            .Where(x => x.Attribute?.Of == t)
            .Select(x => new PhaseOp(x.Type, x.Attribute!))
            .OrderByDescending(p => p.Attribute.IsDefault).ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList());

    /// <summary>Whether rules may name generate_op / prefill_op for <paramref name="operatorType"/>.</summary>
    public static bool TakesOps(Type operatorType) => Of(operatorType).Count > 0;

    /// <summary>Op names that only run on CUDA: implementations that cannot run on the CPU, and declared unimplemented ones.</summary>
    public static IReadOnlySet<string> CudaOnly(Type operatorType) =>
        Of(operatorType).Where(p => !p.RunsOnCpu).Select(p => p.Name)
            .Concat(operatorType.GetCustomAttributes<UnimplementedCudaOpAttribute>().Select(a => a.Name))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The canonical op name for a name a rule may use (null or "" = the default); ArgumentException naming the known ones otherwise.</summary>
    public static string Resolve(Type operatorType, string? name)
    {
        IReadOnlyList<PhaseOp> ops = Of(operatorType);
        if (ops.Count == 0) throw new ArgumentException($"{operatorType.Name} takes no generate_op / prefill_op");
        if (string.IsNullOrEmpty(name)) return ops[0].Attribute.IsDefault ? ops[0].Name : throw new ArgumentException($"{operatorType.Name} declares no default op");
        foreach (PhaseOp op in ops)
            if (op.Name == name || op.Attribute.Aliases.Contains(name)) return op.Name;
        foreach (UnimplementedCudaOpAttribute u in operatorType.GetCustomAttributes<UnimplementedCudaOpAttribute>())
            if (u.Name == name) return u.Name;
        string kind = Kind(operatorType);
        foreach (RefusedOpAttribute r in operatorType.GetCustomAttributes<RefusedOpAttribute>())
            if (r.Name == name) throw new ArgumentException($"{kind} op '{name}' {r.Reason}");
        IEnumerable<string> known = ops.Select(o => o.Name).Concat(ops.SelectMany(o => o.Attribute.Aliases))
            .Concat(operatorType.GetCustomAttributes<UnimplementedCudaOpAttribute>().Select(u => u.Name + " on CUDA"));
        throw new ArgumentException($"unknown {kind} op '{name}' (known: {string.Join(", ", known)})");
    }

    /// <summary>
    /// Creates the implementation of the canonical op <paramref name="name"/> of <paramref name="operatorType"/>,
    /// passing <paramref name="binding"/> to its constructor; the constructor's own exception propagates unwrapped.
    /// </summary>
    public static T Create<T>(Type operatorType, string name, object binding) where T : class
    {
        PhaseOp op = Of(operatorType).FirstOrDefault(p => p.Name == name)
            ?? throw new ArgumentException($"{operatorType.Name} has no implementation of op '{name}'");
        try
        {
            return Activator.CreateInstance(op.Type, binding) as T
                ?? throw new InvalidOperationException($"{op.Type.Name} ([PhaseOp(\"{name}\")]) does not implement {typeof(T).Name}");
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    // "linear", "experts": the error messages' word for the op, from the module class the operator handles.
    private static string Kind(Type operatorType) =>
        operatorType.GetCustomAttributes<OperatorAttribute>().SelectMany(a => a.Modules).FirstOrDefault()?.Name.ToLowerInvariant() ?? operatorType.Name;
}
