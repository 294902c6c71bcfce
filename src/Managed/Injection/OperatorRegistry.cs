using NativeInfer.Models.Modules;
using NativeInfer.Operators;

namespace NativeInfer.Injection;

/// <summary>
/// Operator names a rule's <c>replace.class</c> may use: the built-ins, KTransformers' Python paths for
/// them (so its rule files load unchanged: "ktransformers.operators.experts.KTransformersExperts"), and
/// assembly-qualified .NET types deriving from <see cref="InjectedOperator"/> (user operators). Also
/// the default operator of each module class (what "default" and unmatched modules get).
/// </summary>
public sealed class OperatorRegistry
{
    private readonly Dictionary<string, OperatorDescriptor> _byName = new(StringComparer.Ordinal);
    private readonly List<(Type Module, OperatorDescriptor? Operator)> _defaults = [];

    public static OperatorRegistry CreateDefault()
    {
        var r = new OperatorRegistry();
        var linear = new OperatorDescriptor("KTransformersLinear", typeof(KTransformersLinear), [typeof(Linear)], ResolveOp: KTransformersLinear.ResolveOp)
            { CudaOp = KTransformersLinear.MarlinOp, CudaOnlyOps = new HashSet<string> { KTransformersLinear.MarlinOp }, CpuOp = KTransformersLinear.CpuOp };
        var experts = new OperatorDescriptor("KTransformersExperts", typeof(KTransformersExperts), [typeof(Experts)], typeof(ExpertsOptions),
                ResolveOp: KTransformersExperts.ResolveOp)
            { CudaOnlyOps = new HashSet<string> { KTransformersExperts.MarlinOp }, CpuOp = KTransformersExperts.CpuOp };
        var mla = new OperatorDescriptor("KDeepseekV2Attention", typeof(KDeepseekV2Attention), [typeof(LatentAttention)], typeof(DeepseekV2AttentionOptions));
        var mha = new OperatorDescriptor("MultiHeadAttention", typeof(MultiHeadAttentionOperator), [typeof(MultiHeadAttention)]);
        var dsMoe = new OperatorDescriptor("KDeepseekV2MoE", typeof(SparseMoeOperator), [typeof(DeepseekMoEBlock)]);
        var dsV3Moe = dsMoe with { Name = "KDeepseekV3MoE" };
        var qwenMoe = new OperatorDescriptor("KQwen2MoeSparseMoeBlock", typeof(SparseMoeOperator), [typeof(Qwen2MoeSparseMoeBlock)]);
        var qwen3Moe = new OperatorDescriptor("KQwen3MoeSparseMoeBlock", typeof(SparseMoeOperator), [typeof(Qwen3MoeSparseMoeBlock)]);
        var mixtralMoe = new OperatorDescriptor("KMistralSparseMoEBlock", typeof(SparseMoeOperator), [typeof(MixtralSparseMoeBlock)]);
        var moe = new OperatorDescriptor("SparseMoe", typeof(SparseMoeOperator), [typeof(SparseMoeBlock)]);
        var gate = new OperatorDescriptor("KMoEGate", typeof(MoEGateOperator), [typeof(MoEGate)]);
        var rope = new OperatorDescriptor("RotaryEmbedding", typeof(RotaryEmbeddingOperator), [typeof(RotaryEmbedding)]);
        var yarn = rope with { Name = "YarnRotaryEmbedding" };
        var stack = new OperatorDescriptor("DecoderStack", typeof(DecoderStackOperator), [typeof(DecoderModel)], typeof(DecoderStackOptions));
        var dsModel = stack with { Name = "KDeepseekV2Model" };
        var qwenModel = stack with { Name = "KQwen2MoeModel" };
        var norm = new OperatorDescriptor("RMSNorm", typeof(RmsNormOperator), [typeof(RMSNorm)]);
        var embed = new OperatorDescriptor("Embedding", typeof(EmbeddingOperator), [typeof(Embedding)]);
        var mlp = new OperatorDescriptor("MLP", typeof(MlpOperator), [typeof(Mlp)]);
        var layer = new OperatorDescriptor("DecoderLayer", typeof(DecoderLayerOperator), [typeof(DecoderLayer)]);

        foreach (var d in new[] { linear, experts, mla, mha, dsMoe, dsV3Moe, qwenMoe, qwen3Moe, mixtralMoe, moe, gate, rope, yarn, stack, dsModel, qwenModel,
                                  norm, embed, mlp, layer })
            r.Register(d);
        // KTransformers' Python paths, and its later names for the same computations (the V2 operators
        // of its balance_serve backend, the V3/V4 RoPE classes, per-model norm and MLP wrappers).
        r.Alias("ktransformers.operators.linear.KTransformersLinear", "KTransformersLinear");
        r.Alias("ktransformers.operators.experts.KTransformersExperts", "KTransformersExperts");
        r.Alias("ktransformers.operators.experts.KTransformersExpertsV2", "KTransformersExperts");
        r.Alias("ktransformers.operators.experts.KDeepseekV2MoE", "KDeepseekV2MoE");
        r.Alias("ktransformers.operators.experts.KDeepseekV3MoE", "KDeepseekV3MoE");
        r.Alias("ktransformers.operators.experts.KDeepseekV3MoEV2", "KDeepseekV3MoE");
        r.Alias("ktransformers.operators.experts.KQwen2MoeSparseMoeBlock", "KQwen2MoeSparseMoeBlock");
        r.Alias("ktransformers.operators.experts.KQwen2MoeSparseMoeBlockV2", "KQwen2MoeSparseMoeBlock");
        r.Alias("ktransformers.operators.experts.KQwen3MoeSparseMoeBlockV2", "KQwen3MoeSparseMoeBlock");
        r.Alias("ktransformers.operators.experts.KMistralSparseMoEBlock", "KMistralSparseMoEBlock");
        r.Alias("ktransformers.operators.gate.KMoEGate", "KMoEGate");
        r.Alias("ktransformers.operators.attention.KDeepseekV2Attention", "KDeepseekV2Attention");
        r.Alias("ktransformers.operators.balance_serve_attention.flashinfer_attn", "KDeepseekV2Attention");
        r.Alias("ktransformers.operators.balance_serve_attention.KQwen2MoeAttention", "MultiHeadAttention");
        r.Alias("ktransformers.operators.balance_serve_attention.KQwen3MoeAttention", "MultiHeadAttention");
        r.Alias("ktransformers.operators.RoPE.RotaryEmbedding", "RotaryEmbedding");
        r.Alias("ktransformers.operators.RoPE.RotaryEmbeddingV3", "RotaryEmbedding");
        r.Alias("ktransformers.operators.RoPE.RotaryEmbeddingV4", "RotaryEmbedding");
        r.Alias("ktransformers.operators.RoPE.YarnRotaryEmbedding", "YarnRotaryEmbedding");
        r.Alias("ktransformers.operators.RoPE.YarnRotaryEmbeddingV3", "YarnRotaryEmbedding");
        r.Alias("ktransformers.operators.models.KDeepseekV2Model", "KDeepseekV2Model");
        r.Alias("ktransformers.operators.models.KQwen2MoeModel", "KQwen2MoeModel");
        r.Alias("ktransformers.operators.layernorm.RMSNorm", "RMSNorm");
        r.Alias("ktransformers.operators.layernorm.KQwen2MoeRMSNorm", "RMSNorm");
        r.Alias("ktransformers.operators.layernorm.KQwen3MoeRMSNorm", "RMSNorm");
        r.Alias("ktransformers.operators.mlp.kDeepseekV3MLP", "MLP");
        r.Alias("ktransformers.operators.mlp.KQwen2MoeMLP", "MLP");

        // Defaults, most specific first. Modules whose parent reads their weights get no operator.
        r.SetDefault(typeof(KvBProjection), null);
        r.SetDefault(typeof(TiedLmHead), linear);
        r.SetDefault(typeof(Linear), linear);
        r.SetDefault(typeof(RMSNorm), norm);
        r.SetDefault(typeof(Embedding), embed);
        r.SetDefault(typeof(RotaryEmbedding), rope);
        r.SetDefault(typeof(LatentAttention), mla);
        r.SetDefault(typeof(MultiHeadAttention), mha);
        r.SetDefault(typeof(Mlp), mlp);
        r.SetDefault(typeof(SparseMoeBlock), moe);
        r.SetDefault(typeof(Experts), experts);
        r.SetDefault(typeof(DecoderLayer), layer);
        r.SetDefault(typeof(DecoderModel), stack);
        r.SetDefault(typeof(MoEGate), gate);
        r.SetDefault(typeof(Module), null);
        return r;
    }

    public void Register(OperatorDescriptor descriptor) => _byName[descriptor.Name] = descriptor;

    public void Alias(string alias, string name) => _byName[alias] = _byName[name];

    /// <summary>The default operator for modules of <paramref name="moduleType"/> (null = none).</summary>
    public void SetDefault(Type moduleType, OperatorDescriptor? descriptor) => _defaults.Add((moduleType, descriptor));

    public OperatorDescriptor? DefaultFor(Module module) =>
        _defaults.FirstOrDefault(d => d.Module.IsInstanceOfType(module)).Operator;

    /// <summary>
    /// Whether modules of this class are declared to get no operator because their parent reads their
    /// weights itself (kv_b_proj, the DeepSeek router) — not merely unknown classes, which fall to the
    /// catch-all <see cref="Module"/> entry.
    /// </summary>
    public bool IsReadByParent(Module module)
    {
        foreach (var (type, op) in _defaults)
            if (type.IsInstanceOfType(module)) return op is null && type != typeof(Module);
        return false;
    }

    /// <summary>The operator a rule names; null when unknown.</summary>
    public OperatorDescriptor? Resolve(string name)
    {
        if (_byName.TryGetValue(name, out OperatorDescriptor? d)) return d;
        Type? t = Type.GetType(name, throwOnError: false);
        if (t is null || !typeof(InjectedOperator).IsAssignableFrom(t) || t.IsAbstract) return null;
        if (t.GetConstructor([typeof(OperatorContext)]) is null) return null;
        Type? options = t.GetProperty("Options")?.PropertyType;
        return new OperatorDescriptor(t.FullName ?? t.Name, t, [], options is { IsClass: true } && options != typeof(object) ? options : null);
    }

    public IEnumerable<string> Names => _byName.Keys.Where(k => !k.Contains('.')).OrderBy(k => k, StringComparer.Ordinal);
}
