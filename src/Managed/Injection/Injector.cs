using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Tensors;
using YamlDotNet.RepresentationModel;

namespace NativeInfer.Injection;

/// <summary>
/// Applies rules to a module tree (KTransformers semantics): modules are visited depth first; the first
/// rule in file order whose name regex (search) and class test both match decides the module; "default"
/// keeps the built-in operator; kwargs never merge between rules; recursive: false leaves the module's
/// children to its operator; unmatched modules get the built-in operator on the default device.
/// Common kwargs (generate_device, prefill_device, device, generate_op, prefill_op, out_device) are read
/// here; the rest bind to the operator's options with type checks.
/// </summary>
public static class Injector
{
    private static readonly HashSet<string> CommonKwargs = ["generate_device", "prefill_device", "device", "generate_op", "prefill_op", "out_device"];

    public static InjectionPlan Plan(CausalLM root, IReadOnlyList<InjectionRule> rules, InjectionOptions? options = null)
    {
        options ??= new InjectionOptions();
        var entries = new List<PlannedOperator>();
        var used = new HashSet<InjectionRule>();
        var warnings = new List<string>();

        // Unmatched modules land on the default device, so it is checked like a device a rule names.
        if (!options.DefaultDevice.IsCpu && options.ProbeDevice(options.DefaultDevice) is (false, var why))
        {
            if (!options.FallbackToCpu)
                throw new InjectionException($"the default device {options.DefaultDevice} (InjectionOptions.DefaultDevice) is not available: {why}");
            warnings.Add($"the default device {options.DefaultDevice} is not available; modules no rule places run on the CPU (fallback)");
            options = options with { DefaultDevice = Device.Cpu };
        }
        var fallbacks = new Dictionary<InjectionRule, (int Count, Device Asked, string? Reason)>();
        var uncalled = new Dictionary<InjectionRule, List<string>>();
        Visit(root, pruned: false);

        // One line per rule that fell back (each row of the explain table names it too), so a GPU rule
        // file on a CPU-only machine does not bury the warnings that matter under hundreds of lines.
        foreach (InjectionRule r in rules)
            if (fallbacks.TryGetValue(r, out var f))
                warnings.Add($"{r.Location}: {f.Count} module{(f.Count == 1 ? "" : "s")} placed on {f.Asked} run{(f.Count == 1 ? "s" : "")} on the CPU instead (fallback: {f.Reason})");
        foreach (InjectionRule r in rules)
            if (uncalled.TryGetValue(r, out List<string>? paths))
                warnings.Add($"{r.Location}: {r.ReplaceClass} placed on {paths.Count} module{(paths.Count == 1 ? "" : "s")} whose parent reads " +
                             $"their weights itself (e.g. {paths[0]}): {(paths.Count == 1 ? "it is" : "they are")} never called");
        foreach (InjectionRule r in rules.Where(r => !used.Contains(r)))
        {
            // A rule that matches modules which earlier rules already decided is as dead as one that matches nothing.
            PlannedOperator? shadowed = entries.FirstOrDefault(e => !e.Pruned && r.Matches(e.Module));
            warnings.Add(shadowed is null
                ? $"{r.Location}: rule matched no module (name {r.NamePattern ?? "-"}, class {r.ClassName ?? "-"})"
                : $"{r.Location}: rule decides no module: every module it matches is decided by an earlier rule " +
                  $"(e.g. {shadowed.Module.Path} by {shadowed.Rule!.Location})");
        }
        var plan = new InjectionPlan(root, entries, rules, warnings);
        // A GPU backend runs modules as a whole (a decoder layer, the stack), so it judges the placement as a whole too.
        if (options.Gpu is not null && plan.GpuDevice is not null) options.Gpu.CheckPlan(plan);
        return plan;

        void Visit(Module module, bool pruned)
        {
            if (pruned)
            {
                entries.Add(new PlannedOperator(module, null, null, options.DefaultDevice, options.DefaultDevice, options.DefaultDevice, null, null, null) { Pruned = true });
            }
            else
            {
                InjectionRule? rule = rules.FirstOrDefault(r => r.Matches(module));
                if (rule is not null) used.Add(rule);
                PlannedOperator planned = PlanModule(root, module, rule, options, warnings);
                if (planned.FallbackFrom is { } asked && rule is not null)
                    fallbacks[rule] = (fallbacks.GetValueOrDefault(rule).Count + 1, asked, fallbacks.GetValueOrDefault(rule).Reason ?? planned.FallbackReason);
                // The parent of such a module reads its weights itself (kv_b_proj, the DeepSeek router): an
                // operator a rule places there is built and bound but never called, almost surely a mistake.
                if (rule is not null && rule.ReplaceClass != "default" && options.Operators.IsReadByParent(module))
                    (uncalled.TryGetValue(rule, out var list) ? list : uncalled[rule] = []).Add(module.Path);
                entries.Add(planned);
                pruned = rule is { Recursive: false };
            }
            foreach (Module child in module.Children) Visit(child, pruned);
        }
    }

    private static PlannedOperator PlanModule(CausalLM root, Module module, InjectionRule? rule, InjectionOptions options, List<string> warnings)
    {
        OperatorDescriptor? op;
        if (rule is null || rule.ReplaceClass == "default") op = options.Operators.DefaultFor(module);
        else
        {
            op = options.Operators.Resolve(rule.ReplaceClass) ?? throw new InjectionException(
                $"{rule.Location}: unknown operator '{rule.ReplaceClass}' (known: {string.Join(", ", options.Operators.Names)}, or an assembly-qualified type)");
            if (!op.Accepts(module))
                throw new InjectionException($"{rule.Location}: operator {op.Name} does not apply to {module.Path} ({module.ClassName}); " +
                                             $"it handles {string.Join(", ", op.ModuleTypes.Select(t => t.Name))}");
        }
        if (rule is null)
        {
            var unplaced = new PlannedOperator(module, null, op, options.DefaultDevice, options.DefaultDevice, options.DefaultDevice, null, null, null);
            if (options.DefaultDevice.IsCpu || options.Gpu is null || op is null) return unplaced;
            // KTransformers' default device is cuda:0: norms, decoder layers and dense MLPs no rule names run there.
            return options.Gpu.WhyNot(module, op) is { } whyNot
                ? throw new InjectionException($"{module.Path} ({module.ClassName}) has no rule and lands on the default device {options.DefaultDevice} " +
                                               $"(InjectionOptions.DefaultDevice), but {whyNot}")
                : unplaced with { DeviceImplementation = options.Gpu.Name };
        }

        var kw = rule.Kwargs.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        Device shared = DeviceOf(kw, "device", options.DefaultDevice, rule);
        Device generate = DeviceOf(kw, "generate_device", shared, rule);
        Device prefill = DeviceOf(kw, "prefill_device", shared, rule);
        Device output = DeviceOf(kw, "out_device", generate, rule);
        string? genOp = Text(kw, "generate_op", rule), preOp = Text(kw, "prefill_op", rule);
        if ((genOp is not null || preOp is not null) && op?.ResolveOp is null)
            throw new InjectionException($"{rule.Location}: operator {op?.Name ?? "(none)"} takes no generate_op / prefill_op");
        string? note = null;
        Device? fallbackFrom = null;
        string? fallbackReason = null;
        string? deviceImplementation = null;
        try
        {
            genOp = op?.ResolveOp?.Invoke(genOp);
            preOp = op?.ResolveOp?.Invoke(preOp);
        }
        catch (ArgumentException e)
        {
            throw new InjectionException($"{rule.Location}: {e.Message}");
        }

        // Devices: the CPU always. A CUDA device must exist and the operator must have a CUDA
        // implementation (its descriptor's CudaOp runs there, whatever op the rule named — KTransformers
        // runs every linear op on CUDA as its Marlin kernel); otherwise the rule fails, or — when the user
        // asked for it — that phase runs on the CPU. An op that only runs on CUDA, left on the CPU, becomes
        // the operator's CPU op under the fallback and is an error without it.
        // A backend that feeds prompts as decode steps runs the prefill phase where generation runs (KExpertsTorch on
        // cuda for prefill, KExpertsCPU for generation: both phases are KExpertsCPU on the CPU).
        if (options.Gpu is { PrefillRunsAsDecode: true } && prefill != generate)
        {
            note = $"(prefill_device {prefill}: {options.Gpu.Name} runs prompts as decode steps)";
            (prefill, preOp) = (generate, genOp);
        }
        (generate, genOp) = Place(generate, genOp, "generate_device");
        (prefill, preOp) = Place(prefill, preOp, "prefill_device");
        if (!output.IsCpu && !(output == generate || output == prefill)) output = Place(output, null, "out_device").Device;
        genOp = KeepOffCpu(genOp, generate);
        preOp = KeepOffCpu(preOp, prefill);

        string? KeepOffCpu(string? phaseOp, Device device)
        {
            if (phaseOp is null || !device.IsCpu || op is null || !op.CudaOnlyOps.Contains(phaseOp)) return phaseOp;
            if (!options.FallbackToCpu)
                throw new InjectionException($"{rule.Location}: {phaseOp} runs on a CUDA device, but {module.Path} is placed on the CPU");
            note ??= $"({phaseOp} needs CUDA; CPU fallback)";
            return op.CpuOp;
        }

        (Device Device, string? Op) Place(Device d, string? phaseOp, string key)
        {
            if (d.IsCpu) return (d, phaseOp);
            var (available, reason) = options.ProbeDevice(d);
            string? problem = !available ? $"{d} is not available: {reason}" : null;
            if (problem is null && options.Gpu is not null)
            {
                // The output only moves there (the backend uploads the experts' sum): the device must exist, nothing more.
                if (key == "out_device") return (d, null);
                problem = options.Gpu.WhyNot(module, op);
                if (problem is null)
                {
                    deviceImplementation = options.Gpu.Name;
                    return (d, null);
                }
            }
            else if (problem is null && op is { RunsOnCuda: false }) problem = $"operator {op.Name} has no CUDA implementation yet";
            if (problem is null) return (d, op?.CudaOp ?? phaseOp);
            if (!options.FallbackToCpu)
                throw new InjectionException($"{rule.Location}: {module.Path} is placed on {d} ({key}), but {problem}. " +
                                             "Use a CPU rule file, or enable the CPU fallback (InjectionOptions.FallbackToCpu / --cpu-fallback)");
            // The warning is grouped per rule by Plan (one line, with the first reason), not one per module.
            note = $"(rule asked for {d}; CPU fallback)";
            fallbackFrom ??= d;
            fallbackReason ??= problem;
            return (Device.Cpu, phaseOp is not null && op is not null && op.CudaOnlyOps.Contains(phaseOp) ? op.CpuOp : phaseOp);
        }

        object? bound = KwargBinder.Bind(op?.OptionsType, rule.Kwargs.Where(k => !CommonKwargs.Contains(k.Key)), op?.Name ?? "default", rule.Location);
        // An operator's note on its own behaviour does not apply when a GPU backend runs the module instead.
        if (bound is IExplainNote { Note: { } optionNote } && deviceImplementation is null) note = note is null ? $"({optionNote})" : $"{note} ({optionNote})";
        if (bound is IPlanCheckedOptions planChecked)
        {
            try
            {
                foreach (string warning in planChecked.CheckPlan(root.Config, options.ProbeDevice, options.FallbackToCpu)) warnings.Add($"{rule.Location}: {warning}");
            }
            catch (ArgumentException e)
            {
                throw new InjectionException($"{rule.Location}: {e.Message}");
            }
        }
        return new PlannedOperator(module, rule, op, generate, prefill, output, genOp, preOp, bound, note) { FallbackFrom = fallbackFrom, FallbackReason = fallbackReason, DeviceImplementation = deviceImplementation };
    }

    private static Device DeviceOf(Dictionary<string, YamlNode> kw, string key, Device fallback, InjectionRule rule)
    {
        string? text = Text(kw, key, rule);
        if (text is null) return fallback;
        return Device.TryParse(text, out Device d)
            ? d
            : throw new InjectionException($"{rule.Location.File}:{kw[key].Start.Line} (rule {rule.Location.RuleIndex + 1}): {key} '{text}' is not a device (cpu, cuda, cuda:N)");
    }

    private static string? Text(Dictionary<string, YamlNode> kw, string key, InjectionRule rule)
    {
        if (!kw.TryGetValue(key, out YamlNode? node)) return null;
        return node is YamlScalarNode s ? s.Value
            : throw new InjectionException($"{rule.Location.File}:{node.Start.Line} (rule {rule.Location.RuleIndex + 1}): {key} must be a string");
    }
}
