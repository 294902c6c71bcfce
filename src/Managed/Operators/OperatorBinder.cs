using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// Hands operators their weights and the operators of the modules they call, during
/// <see cref="InjectedOperator.Bind"/>. Weight lookups check shapes against the module's
/// <see cref="TensorSpec"/>s so a wrong file fails at load with the tensor named. Remembers which module each
/// bound tensor serves (<see cref="Bound"/>): what the operators read, for the decode roofline.
/// </summary>
public sealed class OperatorBinder(IWeightSource weights, IReadOnlyDictionary<string, InjectedOperator> operators)
{
    private readonly Dictionary<(string Module, string Tensor), (Module Module, WeightTensor Tensor)> _bound = [];

    public IWeightSource Weights { get; } = weights;

    /// <summary>Every tensor bound so far, once per module that reads it.</summary>
    public IEnumerable<(Module Module, WeightTensor Tensor)> Bound => _bound.Values;

    /// <summary>
    /// A tensor <paramref name="module"/> reads but another module declares (the tied head reads the embedding table).
    /// </summary>
    public WeightTensor SharedTensor(Module module, string name) => Record(module, Weights.GetTensor(name));

    private WeightTensor Record(Module module, WeightTensor t)
    {
        _bound.TryAdd((module.Path, t.Name), (module, t));
        return t;
    }

    /// <summary>The operator injected for <paramref name="module"/>, in role <typeparamref name="T"/>.</summary>
    public T OperatorFor<T>(Module module) where T : class
    {
        if (!operators.TryGetValue(module.Path, out InjectedOperator? op))
            throw new ModelLoadException($"no operator for module '{module.Path}' ({module.ClassName}): a rule with recursive: false " +
                                         "above it leaves it to its parent, which does not handle it");
        return op as T ?? throw new ModelLoadException(
            $"operator {op.GetType().Name} injected at '{module.Path}' does not implement {typeof(T).Name}, which its parent needs");
    }

    /// <summary>The tensor of <paramref name="role"/> in <paramref name="module"/>'s specs, shape-checked.</summary>
    public WeightTensor Tensor(Module module, string role)
    {
        TensorSpec spec = module.Weights.FirstOrDefault(w => w.Role == role)
            ?? throw new ModelLoadException($"module '{module.Path}' declares no weight '{role}'");
        return Tensor(module, spec);
    }

    public WeightTensor Tensor(Module module, TensorSpec spec)
    {
        if (!Weights.TryGetTensor(spec.GgufName, out WeightTensor t))
            throw new ModelLoadException($"{Weights.Description}: tensor '{spec.GgufName}' for {module.Path} is missing");
        CheckShape(module, spec, t);
        return Record(module, t);
    }

    /// <summary>
    /// The tensors of whichever layout is present: the spec itself, or one of its complete
    /// <see cref="TensorSpec.Alternatives"/> (returns the alternative's index + 1, or 0 for the spec).
    /// </summary>
    public (int Layout, WeightTensor[] Tensors) TensorsOrAlternative(Module module, TensorSpec spec)
    {
        if (Weights.TryGetTensor(spec.GgufName, out WeightTensor t))
        {
            CheckShape(module, spec, t);
            return (0, [Record(module, t)]);
        }
        for (int i = 0; i < spec.Alternatives.Count; i++)
        {
            IReadOnlyList<TensorSpec> alt = spec.Alternatives[i];
            var found = new WeightTensor[alt.Count];
            bool all = true;
            for (int j = 0; j < alt.Count && all; j++)
            {
                all = Weights.TryGetTensor(alt[j].GgufName, out found[j]);
                if (all) CheckShape(module, alt[j], found[j]);
            }
            if (!all) continue;
            foreach (WeightTensor f in found) Record(module, f);
            return (i + 1, found);
        }
        string others = string.Join(" or ", spec.Alternatives.Select(a => string.Join(" + ", a.Select(s => s.GgufName))));
        throw new ModelLoadException($"{Weights.Description}: tensor '{spec.GgufName}' for {module.Path} is missing" +
                                     (others.Length > 0 ? $" (nor its alternative layout {others})" : ""));
    }

    /// <summary>An optional tensor: default when absent.</summary>
    public WeightTensor? OptionalTensor(Module module, string role)
    {
        TensorSpec? spec = module.Weights.FirstOrDefault(w => w.Role == role);
        if (spec is null || !Weights.TryGetTensor(spec.GgufName, out WeightTensor t)) return null;
        CheckShape(module, spec, t);
        return Record(module, t);
    }

    // Compared without trailing 1s: GGUF writers drop them ([64, 1] is stored as [64]).
    private void CheckShape(Module module, TensorSpec spec, WeightTensor t)
    {
        static ReadOnlySpan<long> Trim(long[] ne)
        {
            int n = ne.Length;
            while (n > 1 && ne[n - 1] == 1) n--;
            return ne.AsSpan(0, n);
        }
        if (!Trim(t.Ne).SequenceEqual(Trim(spec.Ne)))
            throw new ModelLoadException($"{Weights.Description}: tensor '{spec.GgufName}' for {module.Path} has shape " +
                                         $"[{string.Join(", ", t.Ne)}], expected {spec.ShapeText}");
    }
}
