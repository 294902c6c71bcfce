using NativeInfer.Config;

namespace NativeInfer.Models.Modules;

/// <summary>The decoder stack ("model"): embed_tokens, layers, norm (GGUF token_embd, blk.N.*, output_norm).</summary>
public abstract class DecoderModel : Module
{
    protected DecoderModel(string path, ModelConfig config, NormFactory norm, Func<string, int, DecoderLayer> layer) : base(path)
    {
        EmbedTokens = Add(new Embedding(ChildPath("embed_tokens"), "token_embd", config.VocabSize, config.HiddenSize));
        var layers = Add(new ModuleList(ChildPath("layers")));
        var list = new List<DecoderLayer>();
        for (int i = 0; i < config.NumLayers; i++) list.Add(layers.Append(p => layer(p, i)));
        Layers = list;
        Norm = Add(norm(ChildPath("norm"), "output_norm", config.HiddenSize, config.NormEps));
    }

    public Embedding EmbedTokens { get; }
    public IReadOnlyList<DecoderLayer> Layers { get; }
    public RMSNorm Norm { get; }
}

public sealed class DeepseekV2Model(string path, ModelConfig config, Func<string, int, DecoderLayer> layer)
    : DecoderModel(path, config, (p, g, d, e) => new DeepseekV2RMSNorm(p, g, d, e), layer);

public sealed class DeepseekV3Model(string path, ModelConfig config, Func<string, int, DecoderLayer> layer)
    : DecoderModel(path, config, (p, g, d, e) => new DeepseekV3RMSNorm(p, g, d, e), layer);

public sealed class Qwen2MoeModel(string path, ModelConfig config, Func<string, int, DecoderLayer> layer)
    : DecoderModel(path, config, (p, g, d, e) => new Qwen2MoeRMSNorm(p, g, d, e), layer);

public sealed class Qwen3MoeModel(string path, ModelConfig config, Func<string, int, DecoderLayer> layer)
    : DecoderModel(path, config, (p, g, d, e) => new Qwen3MoeRMSNorm(p, g, d, e), layer);

public sealed class Qwen3Model(string path, ModelConfig config, Func<string, int, DecoderLayer> layer)
    : DecoderModel(path, config, (p, g, d, e) => new Qwen3RMSNorm(p, g, d, e), layer);

public sealed class LlamaModel(string path, ModelConfig config, Func<string, int, DecoderLayer> layer)
    : DecoderModel(path, config, (p, g, d, e) => new LlamaRMSNorm(p, g, d, e), layer);

public sealed class MixtralModel(string path, ModelConfig config, Func<string, int, DecoderLayer> layer)
    : DecoderModel(path, config, (p, g, d, e) => new MixtralRMSNorm(p, g, d, e), layer);

/// <summary>
/// The root ("" path): model and lm_head (GGUF output; with tied embeddings the head reuses
/// token_embd and lm_head owns no tensor of its own).
/// </summary>
public sealed class CausalLM : Module
{
    public CausalLM(string className, ModelConfig config, Func<string, DecoderModel> model) : base("")
    {
        ClassNameValue = className;
        Config = config;
        Model = Add(model("model"));
        LmHead = Add(config.TiedEmbeddings
            ? new TiedLmHead("lm_head", config.HiddenSize, config.VocabSize)
            : new Linear("lm_head", "output", config.HiddenSize, config.VocabSize));
    }

    private readonly List<IgnoredTensors> _ignored = [];

    private string ClassNameValue { get; }
    public override string ClassName => ClassNameValue;
    public ModelConfig Config { get; }
    public DecoderModel Model { get; }
    public Linear LmHead { get; }

    /// <summary>
    /// Tensors a file of this architecture may carry that no module uses, each with the reason. Any
    /// other tensor no module asks for makes the file refused (it would change the math unseen).
    /// </summary>
    public IReadOnlyList<IgnoredTensors> Ignored => _ignored;

    /// <summary>Declares tensors whose names match <paramref name="pattern"/> (a full-name regex) as not needed, for <paramref name="reason"/>.</summary>
    public CausalLM Ignore(string pattern, string reason)
    {
        _ignored.Add(new IgnoredTensors(new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant), reason));
        return this;
    }

    /// <summary>Why a tensor no module uses may be ignored, or null when it must not be.</summary>
    public string? WhyIgnored(string tensorName) => _ignored.FirstOrDefault(i => i.Pattern.IsMatch(tensorName))?.Reason;
}

/// <summary>An lm_head that reads the token embedding table (tied weights).</summary>
public sealed class TiedLmHead(string path, int hidden, int vocab) : Linear(path, "token_embd", hidden, vocab)
{
    // The tensor belongs to model.embed_tokens; listing it here too would double-count it.
    public override IReadOnlyList<TensorSpec> Weights => [];
}
