using NativeInfer.Config;
using NativeInfer.Config.Builders;
using NativeInfer.Gguf;
using NativeInfer.Injection;
using NativeInfer.Models;
using NativeInfer.Models.Checking;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Tensors;

namespace NativeInfer.Runtime;

/// <summary>
/// A loaded model (design doc §2): the GGUF file mapped, the config built, the module tree built,
/// the rules applied, and every operator bound to its weights (zero-copy views of the mapping).
/// Immutable and thread-safe once loaded: sessions (<see cref="CreateSession"/>) hold all per-call state.
/// </summary>
public sealed class InferenceModel : IDisposable
{
    private readonly GgufFile _file;
    private readonly Dictionary<string, InjectedOperator> _operators;

    private InferenceModel(GgufFile file, ModelConfig config, CausalLM tree, InjectionPlan plan, Dictionary<string, InjectedOperator> operators,
                           IDecoderStackOperator stack, ILinearOperator lmHead, WeightMemoryState memory)
    {
        _file = file;
        Memory = memory;
        Config = config;
        Tree = tree;
        Plan = plan;
        _operators = operators;
        Stack = stack;
        LmHead = lmHead;
    }

    public ModelConfig Config { get; }
    public CausalLM Tree { get; }
    public InjectionPlan Plan { get; }
    public GgufFile File => _file;

    /// <summary>What loading did to the mapped weights (<see cref="ModelOptions.Memory"/>).</summary>
    public WeightMemoryState Memory { get; }

    /// <summary>How much of the weights is in RAM now and how much in huge pages (reads the OS's page tables; not for a hot path).</summary>
    public WeightResidency MeasureResidency() => WeightMemory.Measure(_file);

    /// <summary>The GPU backend its sessions run on, when the plan put modules there (<see cref="InjectionPlan.GpuDevice"/>); null = the CPU operators.</summary>
    public IGpuBackend? Gpu { get; private init; }

    internal IDecoderStackOperator Stack { get; }
    internal ILinearOperator LmHead { get; }
    public IReadOnlyDictionary<string, InjectedOperator> Operators => _operators;

    /// <summary>
    /// Weight bytes one decode step reads (attention, dense and shared MLPs, top-k experts, norms, lm_head, one embedding
    /// row): the roofline input. The tensors the operators bound, each counted by <see cref="DecodeTraffic.PerToken"/> — the
    /// rule <c>check</c> applies to the file.
    /// </summary>
    public long DecodeBytesPerToken { get; private init; }

    /// <param name="cancellationToken">Stops a preload (<see cref="WeightMemoryOptions.Preload"/>) between pieces; nothing else waits.</param>
    public static InferenceModel Load(string path, ModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ModelOptions();
        GgufFile file = GgufFile.Open(path);
        try
        {
            return Load(file, options, cancellationToken);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the config and module tree of a GGUF file and applies the rules without binding any weight:
    /// what `nativeinfer rules explain` shows. Throws <see cref="InjectionException"/> for a rule error.
    /// </summary>
    public static InjectionPlan CreatePlan(string path, ModelOptions? options = null)
    {
        using GgufFile file = GgufFile.Open(path);
        return CreatePlan(file, options);
    }

    /// <inheritdoc cref="CreatePlan(string, ModelOptions?)"/>
    public static InjectionPlan CreatePlan(GgufFile file, ModelOptions? options = null) => Prepare(file, options ?? new ModelOptions()).Plan;

    private static (ModelConfig Config, CausalLM Tree, InjectionPlan Plan) Prepare(GgufFile file, ModelOptions options)
    {
        ModelSource source = ModelSource.FromGguf(file);
        ModelConfig config = (options.ConfigBuilders ?? new ModelConfigBuilders()).Build(source);
        IModelDefinition definition = (options.ModuleMap ?? new ModuleMap()).Resolve(source.Architecture);
        CausalLM tree = definition.BuildModuleTree(config);
        if (TensorCoverage.Of(tree, file.Tensors.Select(t => t.Name).ToList()).Refusal(Path.GetFileName(file.Source), tree.ClassName) is string refusal)
            throw new ModelLoadException(refusal);
        IReadOnlyList<InjectionRule> rules = options.Rules ?? (options.RulesPath is { } p ? RuleFile.Load(p) : []);
        InjectionOptions injection = options.Gpu is null ? options.Injection : options.Injection with { Gpu = options.Gpu };
        return (config, tree, Injector.Plan(tree, rules, injection));
    }

    /// <summary>Loads from an open GGUF file, which the model then owns.</summary>
    public static InferenceModel Load(GgufFile file, ModelOptions options, CancellationToken cancellationToken = default)
    {
        var (config, tree, plan) = Prepare(file, options);
        // Before any operator reads a weight: huge pages only back pages read after the advice.
        WeightMemoryState memory = WeightMemory.Apply(file, options.Memory, cancellationToken);

        var weights = new GgufWeightSource(file);
        var operators = new Dictionary<string, InjectedOperator>(StringComparer.Ordinal);
        foreach (PlannedOperator entry in plan.Entries)
        {
            if (entry.Operator is null || entry.Pruned) continue;
            // A module the GPU backend runs still gets its CPU operator, bound to zero-copy views of the mapping: the
            // module tree binds as a whole, and the backend reads the model through it. It never runs there.
            bool byGpu = entry.DeviceImplementation is not null;
            if (byGpu && options.Gpu is null)
                throw new ModelLoadException($"{entry.Module.Path} is planned onto {entry.GenerateDevice} by {entry.DeviceImplementation}, but ModelOptions.Gpu is not set");
            // The injector only leaves a built-in operator on a GPU when it has a CUDA implementation
            // (KLinearMarlin) or a GPU backend runs it; checked again here so a hand-made plan cannot make the explain table lie.
            // A CPU operator whose output the backend takes to its device (the experts' out_device) runs on the CPU.
            Device[] devices = byGpu ? [] : [entry.GenerateDevice, entry.PrefillDevice, .. entry.OutDevice == plan.GpuDevice ? Array.Empty<Device>() : [entry.OutDevice]];
            if (entry.Operator.OperatorType.Assembly == typeof(InjectedOperator).Assembly && !entry.Operator.RunsOnCuda && devices.Any(d => !d.IsCpu))
                throw new ModelLoadException($"{entry.Rule?.Location.ToString() ?? "default"}: {entry.Module.Path} is planned on {devices.First(d => !d.IsCpu)}, " +
                                             $"but the built-in {entry.Operator.Name} has no CUDA implementation (docs/cuda.md)");
            var context = new OperatorContext
            {
                Key = entry.Module.Path, Module = entry.Module, Config = config, Weights = weights,
                GenerateDevice = byGpu ? Device.Cpu : entry.GenerateDevice, PrefillDevice = byGpu ? Device.Cpu : entry.PrefillDevice,
                OutDevice = byGpu ? Device.Cpu : entry.OutDevice,
                GenerateOp = entry.GenerateOp, PrefillOp = entry.PrefillOp, Options = entry.Options,
                RuleLocation = entry.Rule?.Location.ToString() ?? "default",
            };
            try
            {
                operators[entry.Module.Path] = entry.Operator.Create(context);
            }
            catch (Exception e)
            {
                // Always wrapped: a (user) operator's own message rarely knows which rule put it there.
                throw new ModelLoadException($"{context.RuleLocation}: cannot create {entry.Operator.Name} for {entry.Module.Path}: {e.Message}", e);
            }
        }
        var binder = new OperatorBinder(weights, operators);
        foreach (InjectedOperator op in operators.Values) op.Bind(binder);
        var stack = binder.OperatorFor<IDecoderStackOperator>(tree.Model);
        var head = binder.OperatorFor<ILinearOperator>(tree.LmHead);
        double decodeBytes = binder.Bound.Sum(b =>
            DecodeTraffic.PerToken(DecodeTraffic.CategoryOf(b.Module), b.Tensor.RowBytes * b.Tensor.Rows, b.Tensor.RowBytes, config));
        return new InferenceModel(file, config, tree, plan, operators, stack, head, memory)
        {
            DecodeBytesPerToken = (long)Math.Round(decodeBytes),
            Gpu = plan.GpuDevice is null ? null : options.Gpu,
        };
    }

    public InferenceSession CreateSession(SessionOptions? options = null) => new(this, options ?? new SessionOptions());

    public void Dispose()
    {
        foreach (InjectedOperator op in _operators.Values) (op as IDisposable)?.Dispose();
        _file.Dispose();
    }
}
