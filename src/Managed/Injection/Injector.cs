using NativeInfer.Models.Modules;
using NativeInfer.Runtime;
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
        Visit(root, pruned: false);
        foreach (InjectionRule r in rules.Where(r => !used.Contains(r)))
            warnings.Add($"{r.Location}: rule matched no module (name {r.NamePattern ?? "-"}, class {r.ClassName ?? "-"})");
        return new InjectionPlan(root, entries, rules, warnings);

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
                entries.Add(PlanModule(module, rule, options, warnings));
                pruned = rule is { Recursive: false };
            }
            foreach (Module child in module.Children) Visit(child, pruned);
        }
    }

    private static PlannedOperator PlanModule(Module module, InjectionRule? rule, InjectionOptions options, List<string> warnings)
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
        if (rule is null) return new PlannedOperator(module, null, op, options.DefaultDevice, options.DefaultDevice, options.DefaultDevice, null, null, null);

        var kw = rule.Kwargs.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        Device shared = DeviceOf(kw, "device", options.DefaultDevice, rule);
        Device generate = DeviceOf(kw, "generate_device", shared, rule);
        Device prefill = DeviceOf(kw, "prefill_device", shared, rule);
        Device output = DeviceOf(kw, "out_device", generate, rule);
        string? genOp = Text(kw, "generate_op", rule), preOp = Text(kw, "prefill_op", rule);
        if ((genOp is not null || preOp is not null) && op?.ResolveOp is null)
            throw new InjectionException($"{rule.Location}: operator {op?.Name ?? "(none)"} takes no generate_op / prefill_op");
        string? note = null;
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
        // implementation; otherwise the rule fails, or — when the user asked for it — that phase runs on
        // the CPU. On a CUDA device every linear op is the int4 GEMM (KTransformers' KLinearTorch included).
        (generate, genOp) = Place(generate, genOp, "generate_device");
        (prefill, preOp) = Place(prefill, preOp, "prefill_device");
        if (!output.IsCpu && !(output == generate || output == prefill)) output = Place(output, null, "out_device").Device;
        if (genOp == Operators.KTransformersLinear.MarlinOp && generate.IsCpu || preOp == Operators.KTransformersLinear.MarlinOp && prefill.IsCpu)
        {
            if (!options.FallbackToCpu)
                throw new InjectionException($"{rule.Location}: KLinearMarlin runs on a CUDA device, but {module.Path} is placed on the CPU");
            if (genOp == Operators.KTransformersLinear.MarlinOp && generate.IsCpu) genOp = Operators.KTransformersLinear.CpuOp;
            if (preOp == Operators.KTransformersLinear.MarlinOp && prefill.IsCpu) preOp = Operators.KTransformersLinear.CpuOp;
            note ??= "(KLinearMarlin needs CUDA; CPU fallback)";
        }

        (Device Device, string? Op) Place(Device d, string? phaseOp, string key)
        {
            if (d.IsCpu) return (d, phaseOp);
            var (available, reason) = options.DeviceProbe(d);
            string? problem = !available ? $"{d} is not available: {reason}"
                : op is { RunsOnCuda: false } ? $"operator {op.Name} has no CUDA implementation yet" : null;
            if (problem is null) return (d, op?.ResolveOp is null ? phaseOp : Operators.KTransformersLinear.MarlinOp);
            if (!options.FallbackToCpu)
                throw new InjectionException($"{rule.Location}: {module.Path} is placed on {d} ({key}), but {problem}. " +
                                             "Use a CPU rule file, or enable the CPU fallback (InjectionOptions.FallbackToCpu / --cpu-fallback)");
            warnings.Add($"{rule.Location}: {module.Path} runs its {key.Replace("_device", "")} phase on the CPU instead of {d} ({problem})");
            note = $"(rule asked for {d}; CPU fallback)";
            return (Device.Cpu, phaseOp == Operators.KTransformersLinear.MarlinOp ? Operators.KTransformersLinear.CpuOp : phaseOp);
        }

        object? bound = KwargBinder.Bind(op?.OptionsType, rule.Kwargs.Where(k => !CommonKwargs.Contains(k.Key)), op?.Name ?? "default", rule.Location);
        if (bound is Operators.DecoderStackOptions stack)
            foreach (var (layer, device) in stack.TransferMap)
            {
                if (!Device.TryParse(device, out Device d))
                    throw new InjectionException($"{rule.Location}: transfer_map layer {layer} names unknown device '{device}'");
                if (!d.IsCpu && !options.FallbackToCpu && !options.DeviceProbe(d).Available)
                    throw new InjectionException($"{rule.Location}: transfer_map layer {layer} moves to {d}, which is not available");
            }
        return new PlannedOperator(module, rule, op, generate, prefill, output, genOp, preOp, bound, note);
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
