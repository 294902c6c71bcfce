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
/// routed experts' operator. Not thread-safe: one caller drives one path (and its device).
/// </summary>
public sealed class GpuDecodePath : IDisposable
{
    private static readonly string[] Architectures = ["deepseek2", "qwen2moe", "qwen3moe"];

    private readonly IGpuDevice _device;
    private readonly ModelConfig _config;
    private readonly KernelPool _pool;
    private readonly HostExperts _host;
    private readonly DeviceTensors _tensors;
    private readonly DeviceDecoderLayer[] _layers;
    private readonly DecodeWorkspace _workspace;
    private readonly NiType _embeddingType;
    private readonly ArrayView<byte> _embedding;
    private readonly IEmbeddingOperator? _hostEmbedding;   // set when the embedding is gathered on the CPU
    private readonly float[]? _hostRow;
    private readonly ArrayView<float> _finalNorm, _logits;
    private readonly ArrayView<int> _token;
    private readonly float _finalEps;
    private readonly DeviceLinear _head;
    private bool _disposed;

    private GpuDecodePath(InferenceModel model, IGpuDevice device, GpuDecodeOptions options)
    {
        _device = device;
        _config = model.Config;
        if (!Architectures.Contains(_config.Architecture))
            throw new GpuDecodeNotSupportedException($"the GPU decode path implements {string.Join(", ", Architectures)}; " +
                                                     $"architecture '{_config.Architecture}' has no GPU implementation (run it on the CPU rules)");
        Capacity = options.Capacity(_config.ContextLength);
        _pool = KernelPool.Create(options.CpuThreads);
        try
        {
            _host = new HostExperts(_config, _pool);
            _tensors = new DeviceTensors(device, model.File, _pool);
            DecoderModel tree = model.Tree.Model;
            var rope = new DeviceRope(_tensors, _config.Rope, Capacity);

            GgufTensor table = _tensors.Tensor(tree.EmbedTokens.GgufBase + ".weight");
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
            if (_hostEmbedding is null) _embedding = _tensors.Raw(table);

            _layers = tree.Layers.Select(l => Layer(model, l, rope, options.Linears)).ToArray();
            _finalNorm = _tensors.Vector(tree.Norm.GgufBase + ".weight", tree.Norm.Dim);
            _finalEps = tree.Norm.Eps;
            _head = new DeviceLinear(_tensors, model.Tree.LmHead, options.Linears);
            Linears = _tensors.Placements.ToArray();
            long scratch = _layers.Max(l => l.Attention.ScratchFloats(Capacity));
            _workspace = new DecodeWorkspace(_tensors, _config.HiddenSize, scratch);
            _token = _tensors.Allocate<int>(1);
            _logits = _tensors.Allocate<float>(_config.VocabSize);
            device.Synchronize();
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
        return new GpuDecodePath(model, device, options ?? new GpuDecodeOptions());
    }

    public IGpuDevice Device => _device;

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
        var k = _device.Kernels;
        try
        {
            foreach (int token in tokens)
            {
                if (_hostEmbedding is not null)
                {
                    _host.Embed(_hostEmbedding, token, _hostRow);
                    _device.Upload<float>(_hostRow, _workspace.Hidden);
                }
                else
                {
                    _device.Upload<int>([token], _token);
                    k.Embedding.Launch(_device.Stream, _embeddingType, _embedding, VocabSize, hidden, _token, 1, _workspace.Hidden);
                }
                foreach (DeviceDecoderLayer layer in _layers) layer.Forward(_workspace, Length);
                Length++;
            }
            k.RmsNorm.Launch(_device.Stream, _workspace.Hidden, _finalNorm, _workspace.Normed, 1, hidden, hidden, _finalEps);
            _head.Forward(_device, _workspace.Normed, _logits);
            _device.Download(_logits, lastLogits[..VocabSize]);
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

    private DeviceDecoderLayer Layer(InferenceModel model, DecoderLayer layer, DeviceRope rope, GpuLinearPrecision precision)
    {
        IDeviceAttention attention = layer.SelfAttn switch
        {
            LatentAttention mla => new DeviceLatentAttention(_tensors, mla, _config, rope, Capacity, precision),
            MultiHeadAttention mha => new DeviceGqaAttention(_tensors, mha, _config, rope, Capacity, precision),
            var other => throw new GpuDecodeNotSupportedException($"{other.Path}: no GPU attention for {other.ClassName}"),
        };
        IDeviceFeedForward feedForward = layer.Mlp switch
        {
            Mlp mlp => new DeviceDenseFeedForward(new DeviceMlp(_tensors, mlp, precision)),
            SparseMoeBlock moe => new DeviceMoe(_tensors, moe, _config, ExpertsOperator(model, moe), _host, precision),
            var other => throw new GpuDecodeNotSupportedException($"{other.Path}: no GPU feed-forward for {other.ClassName}"),
        };
        RMSNorm input = layer.InputLayerNorm, post = layer.PostAttentionLayerNorm;
        return new DeviceDecoderLayer(_device, _tensors.Vector(input.GgufBase + ".weight", input.Dim), _tensors.Vector(post.GgufBase + ".weight", post.Dim),
            input.Eps, post.Eps, attention, feedForward);
    }

    private static IExpertsOperator ExpertsOperator(InferenceModel model, SparseMoeBlock block) =>
        model.Operators.TryGetValue(block.Experts.Path, out InjectedOperator? op) && op is IExpertsOperator experts
            ? experts
            : throw new GpuDecodeNotSupportedException($"{block.Experts.Path}: the model has no experts operator bound there (was it pruned by a rule?)");

    private void Release()
    {
        if (_tensors is not null)
            foreach (IDisposable buffer in _tensors.Owned) buffer.Dispose();
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
