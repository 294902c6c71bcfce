using System.Text;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;

namespace NativeInfer.Injection;

/// <summary>What one module gets: the rule that decided it (null = default), the operator, its devices and options.</summary>
public sealed record PlannedOperator(Module Module, InjectionRule? Rule, OperatorDescriptor? Operator, Device GenerateDevice,
                                     Device PrefillDevice, Device OutDevice, string? GenerateOp, string? PrefillOp, object? Options,
                                     string? Note = null)
{
    /// <summary>The module is handled by an ancestor whose rule had recursive: false.</summary>
    public bool Pruned { get; init; }
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

    /// <summary>module path → rule (file:line) → operator → device, one line per module, then the warnings.</summary>
    public string Explain()
    {
        var sb = new StringBuilder();
        int pathWidth = Math.Min(60, Entries.Max(e => e.Module.Path.Length) + 2);
        sb.AppendLine($"{"module".PadRight(pathWidth)}{"class",-32}{"rule",-34}{"operator",-44}device");
        foreach (PlannedOperator e in Entries)
        {
            string path = e.Module.Path.Length == 0 ? "(root)" : e.Module.Path;
            string rule = e.Pruned ? "(inside parent)" : e.Rule is null ? "default" : $"{e.Rule.Location.File}:{e.Rule.Location.Line}";
            string op = e.Operator is null ? "-" : e.Operator.Name + OpsText(e);
            string device = e.Operator is null ? "" : e.GenerateDevice == e.PrefillDevice ? e.GenerateDevice.ToString() : $"gen {e.GenerateDevice}, prefill {e.PrefillDevice}";
            sb.AppendLine($"{path.PadRight(pathWidth)}{e.Module.ClassName,-32}{rule,-34}{op,-44}{device}{(e.Note is null ? "" : "  " + e.Note)}");
        }
        foreach (string w in Warnings) sb.AppendLine("warning: " + w);
        return sb.ToString();
    }

    private static string OpsText(PlannedOperator e) =>
        e.GenerateOp is null && e.PrefillOp is null ? "" : e.GenerateOp == e.PrefillOp ? $" ({e.GenerateOp})" : $" (gen {e.GenerateOp}, prefill {e.PrefillOp})";
}
