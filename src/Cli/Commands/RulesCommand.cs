using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Generation;
using NativeInfer.Injection;
using NativeInfer.Runtime;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// `nativeinfer rules explain MODEL RULES.yaml [--cpu-fallback] [--gpu | --emulate-gpu]`: applies injection rules to the model's
/// module tree without loading any weight (<see cref="InferenceModel.CreatePlan(string, ModelOptions?)"/>)
/// and prints, per module, the rule that decided it (file:line), the operator and the device, then the
/// warnings (rules that decide nothing, CPU fallbacks). A rule error is one line and exit code 1.
/// </summary>
public sealed class RulesCommand : ICliCommand
{
    public string Name => "rules";
    public string Summary => "rules explain MODEL RULES.yaml: which rule (file:line), operator and device each module gets";
    public string Usage => """
        nativeinfer rules explain MODEL.gguf RULES.yaml [--cpu-fallback] [--gpu | --emulate-gpu]
          Applies KTransformers-style injection rules (docs/injection.md) to the model's module tree without
          loading weights and prints one row per module: path, class, the rule that decided it (file:line;
          "default" = no rule matched, "(inside parent)" = under a rule with recursive: false), the operator
          (with its generate/prefill ops) and the device. Then a warning per rule that decides no module,
          and per rule whose modules fell back from CUDA to the CPU.
          --cpu-fallback  run modules a rule places on CUDA on the CPU instead of failing
        """ + "\n" + GpuArguments.Usage;

    public IReadOnlyList<string> Switches => ["cpu-fallback", .. GpuArguments.Switches];

    public int Run(CliArguments args, TextWriter output)
    {
        string sub = args.RequiredPositional("subcommand (explain)");
        if (sub != "explain") throw new CliUsageException($"unknown rules subcommand '{sub}' (expected: explain)");
        string model = args.RequiredPositional("model (a .gguf file)");
        string rules = args.RequiredPositional("rule file (RULES.yaml)");
        bool fallback = args.Flag("cpu-fallback");
        GpuArguments gpu = GpuArguments.Parse(args);
        args.EnsureAllConsumed();
        if (!File.Exists(rules)) throw new FileNotFoundException($"rule file not found: {rules}", rules);

        InjectionPlan plan = InferenceModel.CreatePlan(model, new ModelOptions
        {
            RulesPath = rules,
            Injection = gpu.Injection(fallback),
            Gpu = gpu.CreateBackend(),
        });
        output.Write(plan.Explain());
        int byRule = plan.Entries.Count(e => e.Rule is not null), pruned = plan.Entries.Count(e => e.Pruned);
        output.WriteLine($"{plan.Entries.Count} modules: {byRule} decided by rules, {pruned} inside a parent, " +
                         $"{plan.Entries.Count - byRule - pruned} by default; {plan.Rules.Count} rules, {plan.Warnings.Count} warning(s)");
        return 0;
    }
}
