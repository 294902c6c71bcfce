using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// The shape of a synthetic model: what every architecture has (widths, depth, vocabulary, storage
/// types, seed). Each architecture's record adds its own widths and says which metadata keys and
/// tensors llama.cpp's GGUF layout gives it (<see cref="AddMetadata"/>, <see cref="AddTensors"/>).
/// </summary>
public abstract record SyntheticModelSpec
{
    /// <summary>general.architecture: "deepseek2", "qwen2moe", "llama".</summary>
    public abstract string Architecture { get; }

    public string Name { get; init; } = "synthetic";
    public int Hidden { get; init; } = 2048;
    public int Layers { get; init; } = 4;

    /// <summary>Rows of the embedding and the head; at least the tokenizer's vocabulary when the file carries one.</summary>
    public int Vocab { get; init; } = 102400;

    public int ContextLength { get; init; } = 4096;
    public float RopeBase { get; init; } = 10000f;
    public float NormEps { get; init; } = 1e-6f;

    /// <summary>Attention, MLP and expert matrices.</summary>
    public GgmlType WeightType { get; init; } = GgmlType.Q4_0;
    public GgmlType EmbeddingType { get; init; } = GgmlType.Q4_0;
    public GgmlType OutputType { get; init; } = GgmlType.Q6_K;

    public int Seed { get; init; } = 1;

    /// <summary>Every weight matrix in one type (the embedding and head included).</summary>
    public SyntheticModelSpec WithAllTypes(GgmlType type) => this with { WeightType = type, EmbeddingType = type, OutputType = type };

    /// <summary>DeepSeek-V2-Lite at full widths, <paramref name="layers"/> deep (see <see cref="DeepseekV2SyntheticSpec.Lite"/>).</summary>
    public static DeepseekV2SyntheticSpec DeepseekV2Lite(int layers, GgmlType weightType) => DeepseekV2SyntheticSpec.Lite(layers, weightType);

    /// <summary>One line on the shape: layers, widths, attention, experts.</summary>
    public abstract string Describe();

    /// <summary>Throws <see cref="SyntheticModelException"/> naming the first width that cannot make a model.</summary>
    public virtual void Validate()
    {
        Positive(Hidden, nameof(Hidden));
        Positive(Layers, nameof(Layers));
        Positive(Vocab, nameof(Vocab));
        Positive(ContextLength, nameof(ContextLength));
    }

    /// <summary>The width of the dense MLP (or shared expert) of layer 0, where the demo model keeps its lookup table.</summary>
    internal abstract int FirstLayerFfnWidth { get; }

    /// <summary>Whether layer 0's lookup MLP is a dense MLP (false: the shared expert of an MoE layer).</summary>
    internal abstract bool FirstLayerIsDense { get; }

    /// <summary>The same model with layer 0's dense MLP (or shared expert) <paramref name="width"/> wide.</summary>
    internal abstract SyntheticModelSpec WithFirstLayerFfnWidth(int width);

    internal abstract void AddMetadata(GgufWriter writer);

    internal abstract void AddTensors(SyntheticTensorSink sink);

    /// <summary>token_embd, output_norm and output, which every architecture has.</summary>
    internal void AddEmbeddingAndHead(SyntheticTensorSink sink)
    {
        sink.Matrix("token_embd.weight", SyntheticTensorRole.TokenEmbedding, -1, EmbeddingType, Hidden, Vocab);
        sink.Vector("output_norm.weight", SyntheticTensorRole.Norm, -1, Hidden);
        sink.Matrix("output.weight", SyntheticTensorRole.Output, -1, OutputType, Hidden, Vocab);
    }

    /// <summary>The keys of every llama.cpp decoder: context, widths, depth, norm epsilon, RoPE base, vocabulary size.</summary>
    /// <summary>
    /// A layer's norm and grouped-query attention in llama.cpp's names (attn_norm, attn_q/k/v with optional
    /// biases, attn_output) and its FFN norm: what the Llama and Qwen2-MoE layers share.
    /// </summary>
    internal void AddGroupedQueryAttention(SyntheticTensorSink s, int layer, int heads, int kvHeads, int headDim, bool bias)
    {
        string b = $"blk.{layer}.";
        int q = heads * headDim, kv = kvHeads * headDim;
        s.Vector(b + "attn_norm.weight", SyntheticTensorRole.Norm, layer, Hidden);
        foreach (var (name, width) in new[] { ("attn_q", q), ("attn_k", kv), ("attn_v", kv) })
        {
            s.Matrix(b + name + ".weight", SyntheticTensorRole.AttentionInput, layer, WeightType, Hidden, width);
            if (bias) s.Vector(b + name + ".bias", SyntheticTensorRole.AttentionBias, layer, width);
        }
        s.Matrix(b + "attn_output.weight", SyntheticTensorRole.AttentionOutput, layer, WeightType, q, Hidden);
        s.Vector(b + "ffn_norm.weight", SyntheticTensorRole.Norm, layer, Hidden);
    }

    internal void AddCommonMetadata(GgufWriter w, int feedForward)
    {
        string a = Architecture + ".";
        w.AddString("general.architecture", Architecture);
        w.AddString("general.name", Name);
        w.AddUInt32(a + "context_length", (uint)ContextLength);
        w.AddUInt32(a + "embedding_length", (uint)Hidden);
        w.AddUInt32(a + "block_count", (uint)Layers);
        w.AddUInt32(a + "feed_forward_length", (uint)feedForward);
        w.AddFloat32(a + "attention.layer_norm_rms_epsilon", NormEps);
        w.AddFloat32(a + "rope.freq_base", RopeBase);
        w.AddUInt32(a + "vocab_size", (uint)Vocab);
    }

    protected static void Positive(int value, string name)
    {
        if (value <= 0) throw new SyntheticModelException($"{name} is {value}; it must be positive");
    }

    protected static void AtLeast(int value, int min, string name, string why)
    {
        if (value < min) throw new SyntheticModelException($"{name} is {value}; it must be at least {min} ({why})");
    }

    protected static void Divides(int divisor, int value, string divisorName, string valueName)
    {
        if (divisor <= 0 || value % divisor != 0)
            throw new SyntheticModelException($"{valueName} = {value} is not a multiple of {divisorName} = {divisor}");
    }
}
