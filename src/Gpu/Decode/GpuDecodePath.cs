using ILGPU;
using NativeInfer.Config;
using NativeInfer.Gguf;
using NativeInfer.Gpu.Devices;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Models.Modules;
using NativeInfer.Operators;
using NativeInfer.Runtime;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// The GPU-resident decode path of issue 15, built from a loaded <see cref="InferenceModel"/> and an
/// <see cref="IGpuDevice"/>: every weight except the routed experts' is uploaded once (linears as
/// <see cref="GpuDecodeOptions.Linears"/> says — by default the Marlin int4 GEMM for Q4_0 weights that meet its tiles,
/// f16 for the rest; <see cref="Linears"/> lists which took which — the router gate f32, norms f32, the embedding
/// table as stored), the KV cache (the latent [c | k_pe] cache for MLA,
/// [K | V] for GQA) lives on the device, and a step keeps the hidden state there. Per MoE layer one download
/// (norm(x), expert ids, weights) and one upload (the routed experts' sum, computed on the CPU by the model's own
/// experts operator); dense layers, attention, shared experts, the final norm and the head on the device; one
/// download of the logits (the embedding row is gathered on the device, or on the CPU and uploaded with
/// <see cref="GpuDecodeOptions.EmbeddingOnHost"/>). Prompts are fed one token at a time (each token a decode step), so a prompt's logits
/// do not depend on how it was batched. Supports deepseek2 (DeepSeek-V2 and V3: MLA, grouped and sigmoid-with-bias
/// routers) and qwen2moe / qwen3moe (GQA, Qwen3's q/k norms, Qwen2's gated shared expert); anything else is a
/// <see cref="GpuDecodeNotSupportedException"/>. Operators a rule file substitutes are not consulted, except the
/// routed experts' operator. Layers may be split over several devices (<see cref="GpuDeviceMap"/>, KTransformers'
/// transfer_map): each device holds its layers' weights, caches and its own workspace, and where the next layer (or the
/// head) is on another device the hidden state [hidden] is downloaded from the one and uploaded to the other.
/// Not thread-safe: one caller drives one path (and its devices).
/// </summary>
public sealed class GpuDecodePath : IDisposable
{
    private static readonly string[] Architectures = ["deepseek2", "qwen2moe", "qwen3moe"];

    private readonly IGpuDevice _device;   // layer 0's: the embedding's
    private readonly ModelConfig _config;
    private readonly KernelPool _pool;
    private readonly HostExperts _host;
    private readonly Stage[] _stages;       // one per device, layer 0's first
    private readonly Stage[] _layerStage;   // [layer]
    private readonly Stage _headStage;
    private readonly float[] _handover;     // the hidden state on its way between two devices
    private readonly DeviceDecoderLayer[] _layers;
    private readonly NiType _embeddingType;
    private readonly ArrayView<byte> _embedding;
    private readonly IEmbeddingOperator? _hostEmbedding;   // set when the embedding is gathered on the CPU
    private readonly float[]? _hostRow;
    private readonly ArrayView<float> _finalNorm, _logits;
    private readonly ArrayView<int> _token;
    private readonly float _finalEps;
    private readonly DeviceLinear _head;
    private bool _disposed;

    /// <summary>One device's part of the path: its uploads, its RoPE table and its activations.</summary>
    private sealed class Stage(DeviceTensors tensors)
    {
        public IGpuDevice Device => Tensors.Device;
        public DeviceTensors Tensors { get; } = tensors;
        public DeviceRope Rope { get; set; } = null!;
        public DecodeWorkspace Workspace { get; set; } = null!;
    }

    private GpuDecodePath(InferenceModel model, GpuDeviceMap devices, GpuDecodeOptions options)
    {
        _device = devices.Layers[0];
        _config = model.Config;
        if (devices.Layers.Count != _config.NumLayers)
            throw new ArgumentException($"the device map places {devices.Layers.Count} layers; the model has {_config.NumLayers}", nameof(devices));
        if (!Architectures.Contains(_config.Architecture))
            throw new GpuDecodeNotSupportedException($"the GPU decode path implements {string.Join(", ", Architectures)}; " +
                                                     $"architecture '{_config.Architecture}' has no GPU implementation (run it on the CPU rules)");
        Capacity = options.Capacity(_config.ContextLength);
        _pool = KernelPool.Create(options.CpuThreads);
        try
        {
            _host = new HostExperts(_config, _pool);
            _stages = devices.Devices.Select(d => new Stage(new DeviceTensors(d, model.File, _pool))).ToArray();
            foreach (Stage stage in _stages) stage.Rope = new DeviceRope(Use(stage).Tensors, _config.Rope, Capacity);
            Stage StageOf(IGpuDevice d) => _stages.First(s => ReferenceEquals(s.Device, d));
            _layerStage = devices.Layers.Select(StageOf).ToArray();
            _headStage = StageOf(devices.Head);
            Stage first = _layerStage[0];
            DecoderModel tree = model.Tree.Model;

            GgufTensor table = first.Tensors.Tensor(tree.EmbedTokens.GgufBase + ".weight");
            _embeddingType = (NiType)(int)table.Type;
            if (options.EmbeddingOnHost)
            {
                _hostEmbedding = model.Operators.TryGetValue(tree.EmbedTokens.Path, out InjectedOperator? e) && e is IEmbeddingOperator embedding
                    ? embedding
                    : throw new GpuDecodeNotSupportedException($"{tree.EmbedTokens.Path}: the model has no embedding operator bound there");
                _hostRow = new float[_config.HiddenSize];
            }
            else if (!EmbeddingKernel.Supports(_embeddingType))
                throw new GpuDecodeNotSupportedException($"{table.Name}: the GPU embedding gather reads F32, F16, BF16, Q8_0 or Q4_0 rows, not {table.Type.Name()}");
            if (table.Ne(0) != _config.HiddenSize || table.RowCount != _config.VocabSize)
                throw new GpuDecodeNotSupportedException($"{table.Name}: expected [{_config.VocabSize}][{_config.HiddenSize}], the file has {table}");
            if (_hostEmbedding is null) _embedding = Use(first).Tensors.Raw(table);

            _layers = tree.Layers.Select((l, i) => Layer(model, l, Use(_layerStage[i]), options.Linears)).ToArray();
            _finalNorm = Use(_headStage).Tensors.Vector(tree.Norm.GgufBase + ".weight", tree.Norm.Dim);
            _finalEps = tree.Norm.Eps;
            _head = new DeviceLinear(_headStage.Tensors, model.Tree.LmHead, options.Linears);
            Linears = _stages.SelectMany(s => s.Tensors.Placements).ToArray();
            foreach (Stage stage in _stages)
            {
                long scratch = _layers.Where((_, i) => _layerStage[i] == stage).Select(l => l.Attention.ScratchFloats(Capacity)).DefaultIfEmpty(0).Max();
                stage.Workspace = new DecodeWorkspace(Use(stage).Tensors, _config.HiddenSize, scratch);
            }
            _handover = new float[_config.HiddenSize];
            _token = Use(first).Tensors.Allocate<int>(1);
            _logits = Use(_headStage).Tensors.Allocate<float>(_config.VocabSize);
            foreach (Stage stage in _stages) Use(stage).Device.Synchronize();
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>Builds the path: uploads the weights to <paramref name="device"/> (seconds to minutes for a large model).</summary>
    public static GpuDecodePath Create(InferenceModel model, IGpuDevice device, GpuDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        return new GpuDecodePath(model, GpuDeviceMap.OneDevice(device, model.Config.NumLayers), options ?? new GpuDecodeOptions());
    }

    /// <summary>Builds the path with its layers on the devices <paramref name="devices"/> names, each uploading its own weights.</summary>
    public static GpuDecodePath Create(InferenceModel model, GpuDeviceMap devices, GpuDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(devices);
        return new GpuDecodePath(model, devices, options ?? new GpuDecodeOptions());
    }

    /// <summary>Layer 0's device (the only one unless the layers are split).</summary>
    public IGpuDevice Device => _device;

    /// <summary>Every device the path uses, layer 0's first.</summary>
    public IReadOnlyList<IGpuDevice> Devices => _stages.Select(s => s.Device).ToArray();

    /// <summary>Every weight matrix the path multiplies by on the device, in load order: its storage and why.</summary>
    public IReadOnlyList<GpuLinearPlacement> Linears { get; } = [];

    /// <summary>Tokens in the device cache: the position the next token takes.</summary>
    public int Length { get; private set; }

    public int Capacity { get; }

    public int VocabSize => _config.VocabSize;

    /// <summary>
    /// Appends <paramref name="tokens"/> to the cache, one decode step each, and writes the last one's logits
    /// [vocab] into <paramref name="lastLogits"/>. On an exception the path is as it was before the call.
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> lastLogits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tokens.IsEmpty) throw new ArgumentException("no tokens to feed", nameof(tokens));
        if (lastLogits.Length < VocabSize) throw new ArgumentException($"logits holds {lastLogits.Length} values; {VocabSize} are needed", nameof(lastLogits));
        if (Length + tokens.Length > Capacity) throw new ContextLengthExceededException(Length, tokens.Length, Capacity);
        EmbeddingKernel.CheckIds(tokens, VocabSize);

        int before = Length, hidden = _config.HiddenSize;
        Stage first = _layerStage[0], current = first;
        try
        {
            foreach (int token in tokens)
            {
                current = Use(first);
                DecodeWorkspace w = first.Workspace;
                if (_hostEmbedding is not null)
                {
                    _host.Embed(_hostEmbedding, token, _hostRow);
                    _device.Upload<float>(_hostRow, w.Hidden);
                }
                else
                {
                    _device.Upload<int>([token], _token);
                    _device.Kernels.Embedding.Launch(_device.Stream, _embeddingType, _embedding, VocabSize, hidden, _token, 1, w.Hidden);
                }
                for (int i = 0; i < _layers.Length; i++)
                {
                    current = HandOver(current, _layerStage[i]);
                    _layers[i].Forward(current.Workspace, Length);
                }
                Length++;
            }
            current = HandOver(current, _headStage);
            IGpuDevice head = _headStage.Device;
            DecodeWorkspace hw = _headStage.Workspace;
            head.Kernels.RmsNorm.Launch(head.Stream, hw.Hidden, _finalNorm, hw.Normed, 1, hidden, hidden, _finalEps);
            _head.Forward(head, hw.Normed, _logits);
            head.Download(_logits, lastLogits[..VocabSize]);
        }
        catch
        {
            Length = before;
            throw;
        }
    }

    /// <summary>Forgets everything after the first <paramref name="length"/> tokens.</summary>
    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)length > (uint)Length) throw new ArgumentOutOfRangeException(nameof(length), length, $"the path holds {Length} tokens");
        Length = length;
    }

    public void Reset() => Truncate(0);

    // The hidden state moves to the next stage's workspace when that is another device: the download waits for the
    // one device's queued work, the upload completes before the other's next kernel is queued.
    private Stage HandOver(Stage from, Stage to)
    {
        if (ReferenceEquals(from, to)) return to;
        from.Device.Download<float>(from.Workspace.Hidden, _handover);
        Use(to).Device.Upload<float>(_handover, to.Workspace.Hidden);
        return to;
    }

    // With several devices, each one's accelerator is made current on this thread before its work is queued: ILGPU
    // gives every CUDA accelerator its own context, and allocations and launches go to the current one.
    private Stage Use(Stage stage)
    {
        if (_stages.Length > 1) stage.Device.Accelerator.Bind();
        return stage;
    }

    private DeviceDecoderLayer Layer(InferenceModel model, DecoderLayer layer, Stage stage, GpuLinearPrecision precision)
    {
        DeviceTensors tensors = stage.Tensors;
        DeviceRope rope = stage.Rope;
        IDeviceAttention attention = layer.SelfAttn switch
        {
            LatentAttention mla => new DeviceLatentAttention(tensors, mla, _config, rope, Capacity, precision),
            MultiHeadAttention mha => new DeviceGqaAttention(tensors, mha, _config, rope, Capacity, precision),
            var other => throw new GpuDecodeNotSupportedException($"{other.Path}: no GPU attention for {other.ClassName}"),
        };
        IDeviceFeedForward feedForward = layer.Mlp switch
        {
            Mlp mlp => new DeviceDenseFeedForward(new DeviceMlp(tensors, mlp, precision)),
            SparseMoeBlock moe => new DeviceMoe(tensors, moe, _config, ExpertsOperator(model, moe), _host, precision),
            var other => throw new GpuDecodeNotSupportedException($"{other.Path}: no GPU feed-forward for {other.ClassName}"),
        };
        RMSNorm input = layer.InputLayerNorm, post = layer.PostAttentionLayerNorm;
        return new DeviceDecoderLayer(stage.Device, tensors.Vector(input.GgufBase + ".weight", input.Dim), tensors.Vector(post.GgufBase + ".weight", post.Dim),
            input.Eps, post.Eps, attention, feedForward);
    }

    private static IExpertsOperator ExpertsOperator(InferenceModel model, SparseMoeBlock block) =>
        model.Operators.TryGetValue(block.Experts.Path, out InjectedOperator? op) && op is IExpertsOperator experts
            ? experts
            : throw new GpuDecodeNotSupportedException($"{block.Experts.Path}: the model has no experts operator bound there (was it pruned by a rule?)");

    private void Release()
    {
        foreach (Stage stage in _stages ?? [])
            foreach (IDisposable buffer in Use(stage).Tensors.Owned) buffer.Dispose();
        _host?.Dispose();
        _pool.Dispose();
    }

    /// <summary>Frees the device buffers and the CPU experts' pool; the device itself stays open (its owner disposes it).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
    }
}
