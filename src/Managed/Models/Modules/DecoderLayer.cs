namespace NativeInfer.Models.Modules;

/// <summary>
/// One transformer block: x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)).
/// GGUF: blk.N.attn_norm and blk.N.ffn_norm.
/// </summary>
public abstract class DecoderLayer : Module
{
    protected DecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp) : base(path)
    {
        Layer = layer;
        InputLayerNorm = Add(new RMSNorm(ChildPath("input_layernorm"), $"blk.{layer}.attn_norm", hidden, eps));
        SelfAttn = Add(attention(ChildPath("self_attn")));
        PostAttentionLayerNorm = Add(new RMSNorm(ChildPath("post_attention_layernorm"), $"blk.{layer}.ffn_norm", hidden, eps));
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
    : DecoderLayer(path, layer, hidden, eps, attention, mlp);

public sealed class Qwen2MoeDecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp)
    : DecoderLayer(path, layer, hidden, eps, attention, mlp);

/// <summary>A Llama / Mistral layer; a Mixtral layer (<paramref name="sparse"/>) names its feed-forward child block_sparse_moe, as Hugging Face does.</summary>
public sealed class LlamaDecoderLayer(string path, int layer, int hidden, float eps, Func<string, Module> attention, Func<string, Module> mlp, bool sparse = false)
    : DecoderLayer(path, layer, hidden, eps, attention, mlp)
{
    // Read by the base constructor; a captured primary-constructor parameter is assigned before the base call.
    protected override string MlpName => sparse ? "block_sparse_moe" : "mlp";
}
