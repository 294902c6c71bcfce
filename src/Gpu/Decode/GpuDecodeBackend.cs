using System.Runtime.CompilerServices;
using NativeInfer.Gpu.Devices;
using NativeInfer.Injection;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Runtime;
using Device = NativeInfer.Tensors.Device;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// The GPU decode path as the runtime's GPU backend (<see cref="IGpuBackend"/>, set on <see cref="ModelOptions.Gpu"/>):
/// a rule file that places the decoder stack on cuda:N (KTransformers' DeepSeek files) plans onto it, and the model's
/// sessions run through a <see cref="GpuDecodePath"/> on that device. What it runs there: the decoder stack, its
/// layers, attention (MLA or GQA) with its rotary embedding and projections, norms, dense MLPs, the MoE blocks' router
/// and shared experts, and the head; the embedding on the device or, when the plan keeps it on the CPU, gathered
/// there and uploaded. The routed experts stay on the CPU (generate_device cpu, out_device cuda:N), run by the
/// operator the rules bound. Layers may be split over several GPUs as KTransformers' multi-GPU files do (transfer_map;
/// <see cref="GpuPlanDevices"/>). Everything else it refuses at planning, naming the module.
/// </summary>
public sealed class GpuDecodeBackend : IGpuBackend
{
    private readonly bool _emulate;
    private readonly GpuDecodeOptions _options;

    /// <param name="emulate">Run cuda:N on ILGPU's CPU accelerator (seconds per token on the tiny models): to see a GPU plan run without a GPU.</param>
    /// <param name="options">Linears' precision; the capacity and the experts' threads come from each session's options.</param>
    public GpuDecodeBackend(bool emulate = false, GpuDecodeOptions? options = null) => (_emulate, _options) = (emulate, options ?? new GpuDecodeOptions());

    public string Name => _emulate ? "GpuDecodePath (emulated)" : "GpuDecodePath";

    public bool PrefillRunsAsDecode => true;

    public (bool Available, string Reason) Probe(Device device)
    {
        if (device.IsCpu) return (true, "");
        if (_emulate) return (true, "");
        if (!RuntimeFeature.IsDynamicCodeSupported) return (false, "the GPU path needs a JIT (ILGPU compiles its kernels at run time); this process is NativeAOT-compiled");
        return CudaDeviceProbe.Probe(device);
    }

    public string? WhyNot(Module module, OperatorDescriptor? op)
    {
        if (op is not null && op.OperatorType.Assembly != typeof(InjectedOperator).Assembly)
            return $"{op.Name} is a user operator, and {Name} runs its own kernels (it would never call it)";
        return module switch
        {
            Experts => $"{Name} runs the routed experts on the CPU (generate_device cpu with out_device on the GPU, as KTransformers' KExpertsCPU)",
            DeepseekV2Model or DeepseekV3Model or Qwen2MoeModel or Qwen3MoeModel => null,
            DecoderModel => $"{Name} has no GPU implementation of {module.ClassName} (it runs DeepSeek-V2/V3 and Qwen2/Qwen3 MoE models)",
            DecoderLayer or LatentAttention or MultiHeadAttention or RotaryEmbedding or Linear or RMSNorm or Mlp
                or DeepseekMoEBlock or Qwen2MoeSparseMoeBlock or Qwen3MoeSparseMoeBlock or MoEGate or Embedding or null => null,
            _ => $"{Name} has no GPU implementation of {module.ClassName}",
        };
    }

    public void CheckPlan(InjectionPlan plan)
    {
        if (plan.GpuDevice is null) throw new ArgumentException("the plan puts nothing on a GPU", nameof(plan));
        foreach (PlannedOperator e in plan.Entries)
        {
            if (e.Pruned || e.Operator is null || e.Module is Experts) continue;
            string where = e.Rule is null ? "no rule: InjectionOptions.DefaultDevice" : e.Rule.Location.ToString();
            if (e.DeviceImplementation is null && e.Module is not Embedding)
                throw new InjectionException($"{e.Module.Path} ({e.Module.ClassName}) is planned on {e.GenerateDevice} ({where}), but {Name} runs every decoder layer, " +
                                             $"the final norm and the head on the GPU: place it there too (modules no rule names land on " +
                                             $"InjectionOptions.DefaultDevice; KTransformers' default is cuda:0)");
        }
        GpuPlanDevices.Read(plan, Name);  // one device per layer, the head's, transfer_map and out_device consistent
    }

    public IDeviceDecoder Open(InferenceModel model, SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.Plan.GpuDevice is null) throw new ArgumentException("the model's plan puts nothing on a GPU", nameof(model));
        // The device cache is f32 (MLA's latent rows, GQA's K | V): a smaller type asked for the CPU cache is refused, not ignored.
        if (options.KvCacheType != NiType.F32)
            throw new GpuDecodeNotSupportedException($"the GPU decode path keeps its KV cache in F32; {options.GetType().Name}.KvCacheType {options.KvCacheType} applies to the CPU path only");
        bool embeddingOnHost = model.Plan.For(model.Tree.Model.EmbedTokens.Path) is { GenerateDevice.IsCpu: true };
        var decode = new GpuDecodeOptions
        {
            ContextLength = options.ContextLength, CpuThreads = options.Threads, Linears = _options.Linears, EmbeddingOnHost = embeddingOnHost,
        };
        (Device[] layers, Device head) = GpuPlanDevices.Read(model.Plan, Name);
        var opened = new Dictionary<Device, IGpuDevice>();
        try
        {
            foreach (Device d in layers.Append(head).Distinct())
                opened[d] = _emulate ? EmulatedGpuDevice.Open(d.Index, warpSize: 2, warps: 1) : GpuDevices.Open(d);
            var map = new GpuDeviceMap(layers.Select(d => opened[d]).ToArray(), opened[head]);
            return new PlannedDecoder(map.Devices, GpuDecodePath.Create(model, map, decode));
        }
        catch
        {
            foreach (IGpuDevice gpu in opened.Values) gpu.Dispose();
            throw;
        }
    }

    /// <summary>One session's devices and path; the runtime's session checks the logits.</summary>
    private sealed class PlannedDecoder(IReadOnlyList<IGpuDevice> devices, GpuDecodePath path) : IDeviceDecoder
    {
        public string DeviceDescription => string.Join("; ", devices.Select(d => d.Description));
        public int Length => path.Length;
        public int Capacity => path.Capacity;
        public void Forward(ReadOnlySpan<int> tokens, Span<float> logits) => path.Forward(tokens, logits);
        public void Truncate(int length) => path.Truncate(length);

        public void Dispose()
        {
            path.Dispose();
            foreach (IGpuDevice device in devices) device.Dispose();
        }
    }
}
