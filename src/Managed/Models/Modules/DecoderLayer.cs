namespace NativeInfer.Models.Modules;

/// <summary>
/// One transformer block: x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)).
/// GGUF: blk.N.attn_norm and blk.N.ffn_norm.
/// </summary>
public abstract class DecoderLayer : Module
{
    protected DecoderLayer(string path, int layer, int hidden, float eps, NormFactory norm, Func<string, Module> attention, Func<string, Module> mlp)
        : base(path)
    {
        Layer = layer;
        InputLayerNorm = Add(norm(ChildPath("input_layernorm"), $"blk.{layer}.attn_norm", hidden, eps));
        SelfAttn = Add(attention(ChildPath("self_attn")));
        PostAttentionLayerNorm = Add(norm(ChildPath("post_attention_layernorm"), $"blk.{layer}.ffn_norm", hidden, eps));
        Mlp = Add(mlp(ChildPath(MlpName)));
    }

    public int Layer { get; }
    public RMSNorm InputLayerNorm { get; }
    public Module SelfAttn { get; }
    public RMSNorm PostAttentionLayerNorm { get; }

    /// <summary>The feed-forward part: a dense MLP or a sparse MoE block.</summary>
    public Module Mlp { get; }

    /// <summary>Hugging Face's name for the feed-forward child ("mlp"; Mixtral uses "block_sparse_moe").</summary>
    protected virtual string MlpName => "mlp";
}

public sealed class DeepseekV2DecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, (p, g, d, e) => new DeepseekV2RMSNorm(p, g, d, e), attention, mlp);

public sealed class DeepseekV3DecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, (p, g, d, e) => new DeepseekV3RMSNorm(p, g, d, e), attention, mlp);

public sealed class Qwen2MoeDecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, (p, g, d, e) => new Qwen2MoeRMSNorm(p, g, d, e), attention, mlp);

public sealed class Qwen3MoeDecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, (p, g, d, e) => new Qwen3MoeRMSNorm(p, g, d, e), attention, mlp);

public sealed class Qwen3DecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, (p, g, d, e) => new Qwen3RMSNorm(p, g, d, e), attention, mlp);

public sealed class LlamaDecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, (p, g, d, e) => new LlamaRMSNorm(p, g, d, e), attention, mlp);

/// <summary>A Mixtral layer: Hugging Face names its feed-forward child block_sparse_moe.</summary>
public sealed class MixtralDecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, (p, g, d, e) => new MixtralRMSNorm(p, g, d, e), attention, mlp)
{
    protected override string MlpName => "block_sparse_moe";
}
