using System.Text;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Injection;

/// <summary>What one module gets: the rule that decided it (null = default), the operator, its devices and options.</summary>
public sealed record PlannedOperator(Module Module, InjectionRule? Rule, OperatorDescriptor? Operator, Device GenerateDevice,
                                     Device PrefillDevice, Device OutDevice, string? GenerateOp, string? PrefillOp, object? Options,
                                     string? Note = null)
{
    /// <summary>The module is handled by an ancestor whose rule had recursive: false.</summary>
    public bool Pruned { get; init; }

    /// <summary>The unavailable device the rule asked for, when the CPU fallback moved the module to the CPU.</summary>
    public Device? FallbackFrom { get; init; }

    /// <summary>Why the fallback happened (device missing, or the operator has no CUDA implementation).</summary>
    public string? FallbackReason { get; init; }

    /// <summary>
    /// The GPU backend that runs this module on <see cref="GenerateDevice"/> (<see cref="InjectionOptions.Gpu"/>'s name),
    /// instead of <see cref="Operator"/>; null when the operator runs it. Such an entry names no ops: the backend's
    /// kernels run it in both phases.
    /// </summary>
    public string? DeviceImplementation { get; init; }
}

/// <summary>The result of applying rules to a module tree, before any weight is loaded.</summary>
public sealed class InjectionPlan(CausalLM root, IReadOnlyList<PlannedOperator> entries, IReadOnlyList<InjectionRule> rules,
                                  IReadOnlyList<string> warnings)
{
    public CausalLM Root { get; } = root;
    public IReadOnlyList<PlannedOperator> Entries { get; } = entries;
    public IReadOnlyList<InjectionRule> Rules { get; } = rules;

    /// <summary>Rules that matched no module, and notes such as CPU fallbacks.</summary>
    public IReadOnlyList<string> Warnings { get; } = warnings;

    public PlannedOperator? For(string path) => Entries.FirstOrDefault(e => e.Module.Path == path);

    /// <summary>The CUDA device a GPU backend runs modules on (<see cref="PlannedOperator.DeviceImplementation"/>); null when it runs none.</summary>
    public Tensors.Device? GpuDevice => Entries.FirstOrDefault(e => e.DeviceImplementation is not null)?.GenerateDevice;

    /// <summary>
    /// module path → class → rule (file:line) → operator (ops) → the C# type that runs → device, one line
    /// per module in tree order, columns separated by at least two spaces; then the warnings. The ops in
    /// parentheses are [PhaseOp] classes of that name.
    /// </summary>
    public string Explain()
    {
        string[] header = ["module", "class", "rule", "operator", "type", "device"];
        var rows = new List<string[]>(Entries.Count);
        foreach (PlannedOperator e in Entries)
        {
            string path = e.Module.Path.Length == 0 ? "(root)" : e.Module.Path;
            string rule = e.Pruned ? "(inside parent)" : e.Rule is null ? "default" : $"{e.Rule.Location.File}:{e.Rule.Location.Line}";
            string op = e.Operator is null ? "-" : e.Operator.Name + OpsText(e);
            string device = e.Operator is null ? "" : e.GenerateDevice == e.PrefillDevice ? e.GenerateDevice.ToString() : $"gen {e.GenerateDevice}, prefill {e.PrefillDevice}";
            if (e.Note is not null) device = device.Length == 0 ? e.Note : device + " " + e.Note;
            string type = e.Operator is null ? "" : e.DeviceImplementation ?? TypeText(e.Operator.OperatorType);
            rows.Add([path, e.Module.ClassName, rule, op, type, device]);
        }
        // Widths from the content: rule files have long names (ktransformers-DeepSeek-V2-Lite-Chat.yaml:38).
        var width = new int[header.Length];
        foreach (string[] r in rows.Prepend(header))
            for (int c = 0; c < r.Length; c++) width[c] = Math.Max(width[c], r[c].Length + 2);
        var sb = new StringBuilder();
        var line = new StringBuilder();
        foreach (string[] r in rows.Prepend(header))
        {
            line.Clear();
            for (int c = 0; c < r.Length - 1; c++) line.Append(r[c].PadRight(width[c]));
            sb.Append(line.Append(r[^1]).ToString().TrimEnd()).Append('\n');
        }
        foreach (string w in Warnings) sb.Append("warning: ").Append(w).Append('\n');
        return sb.ToString();
    }

    // Built-in operators by class name (NativeInfer.Operators.X), user operators by full name.
    private static string TypeText(Type t) => t.Assembly == typeof(Operators.InjectedOperator).Assembly ? t.Name : t.FullName ?? t.Name;

    private static string OpsText(PlannedOperator e) =>
        e.GenerateOp is null && e.PrefillOp is null ? "" : e.GenerateOp == e.PrefillOp ? $" ({e.GenerateOp})" : $" (gen {e.GenerateOp}, prefill {e.PrefillOp})";
}
