using NativeInfer.Models.Modules;

namespace NativeInfer.Models.Checking;

/// <summary>
/// How a module tree covers a GGUF file's tensors: for every tensor spec the layout the file holds (the
/// spec itself or a complete alternative; when none is complete, the one with most tensors present), and
/// the file's other tensors split into those the definition declares ignored (with its reason) and the
/// unexpected rest. The one place that decides what "a file is understood completely" means for
/// `check` and for loading.
/// </summary>
public sealed class TensorCoverage
{
    private TensorCoverage(IReadOnlyList<ChosenTensor> chosen, IReadOnlyList<IgnoredTensor> ignored, IReadOnlyList<string> unexpected)
    {
        Chosen = chosen;
        Ignored = ignored;
        Unexpected = unexpected;
    }

    /// <summary>A tensor of the chosen layout of a module's spec; <see cref="OtherLayouts"/> describes the layouts not chosen.</summary>
    public sealed record ChosenTensor(Module Module, TensorSpec Spec, string? OtherLayouts);

    /// <summary>A file tensor no module uses that the definition declares not needed.</summary>
    public sealed record IgnoredTensor(string Name, string Reason);

    public IReadOnlyList<ChosenTensor> Chosen { get; }
    public IReadOnlyList<IgnoredTensor> Ignored { get; }

    /// <summary>File tensors no module uses and the definition does not declare ignorable, in name order.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    public static TensorCoverage Of(CausalLM tree, IReadOnlyCollection<string> fileTensors)
    {
        var present = fileTensors as IReadOnlySet<string> ?? new HashSet<string>(fileTensors, StringComparer.Ordinal);
        var chosen = new List<ChosenTensor>();
        foreach (Module m in tree.Descendants())
        foreach (TensorSpec spec in m.Weights)
        {
            List<IReadOnlyList<TensorSpec>> layouts = [[spec], .. spec.Alternatives];
            IReadOnlyList<TensorSpec> layout = layouts.FirstOrDefault(l => l.All(t => present.Contains(t.GgufName)))
                ?? layouts.OrderByDescending(l => l.Count(t => present.Contains(t.GgufName))).First();
            string? others = layouts.Count > 1
                ? "or " + string.Join(" or ", layouts.Where(l => l != layout).Select(l => string.Join(" + ", l.Select(t => t.GgufName))))
                : null;
            foreach (TensorSpec t in layout) chosen.Add(new ChosenTensor(m, t, others));
        }
        var used = new HashSet<string>(chosen.Select(c => c.Spec.GgufName), StringComparer.Ordinal);
        var ignored = new List<IgnoredTensor>();
        var unexpected = new List<string>();
        foreach (string name in fileTensors.Order(StringComparer.Ordinal))
        {
            if (used.Contains(name)) continue;
            if (tree.WhyIgnored(name) is string why) ignored.Add(new IgnoredTensor(name, why));
            else unexpected.Add(name);
        }
        return new TensorCoverage(chosen, ignored, unexpected);
    }

    /// <summary>
    /// The one-line error for a file with unexpected tensors, or null when there are none: a tensor no
    /// module uses may change the math in a way nothing here computes.
    /// </summary>
    public string? Refusal(string file, string modelClass) => Unexpected.Count == 0 ? null
        : $"{file}: tensor '{Unexpected[0]}'{(Unexpected.Count > 1 ? $" (and {Unexpected.Count - 1} more)" : "")} is not used by any module of " +
          $"{modelClass} and not declared ignorable by its definition: the file is refused because what it computes would be left out " +
          "(a newer variant of the architecture, or a file of another one; `nativeinfer check` lists them)";
}
