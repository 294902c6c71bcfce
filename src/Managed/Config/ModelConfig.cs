namespace NativeInfer.Config;

/// <summary>
/// Everything the runtime needs to know about a model's architecture, independent of where it came
/// from (GGUF metadata or a Hugging Face config.json). Immutable; built by an
/// <see cref="Builders.IModelConfigBuilder"/> and checked by <see cref="Validate"/>.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Architecture name as the module map knows it ("deepseek2", "qwen2moe", "llama", ...).</summary>
    public required string Architecture { get; init; }

    /// <summary>Name of the builder that produced this config (shown by `nativeinfer check`).</summary>
    public string BuiltBy { get; init; } = "";

    public required int HiddenSize { get; init; }
    public required int NumLayers { get; init; }
    public required int VocabSize { get; init; }
    public int ContextLength { get; init; } = 4096;
    public float NormEps { get; init; } = 1e-6f;
    public bool TiedEmbeddings { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }

    public required AttentionConfig Attention { get; init; }
    public required RopeConfig Rope { get; init; }

    /// <summary>Width of the dense MLP (all layers of a dense model; leading dense layers of a MoE model).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Null for dense models.</summary>
    public MoeConfig? Moe { get; init; }

    /// <summary>Whether layer <paramref name="layer"/> uses the MoE block (else the dense MLP).</summary>
    public bool IsMoeLayer(int layer) => Moe is { } moe && moe.IsSparseLayer(layer);

    /// <summary>
    /// Multi-token-prediction layers the file stores after the <see cref="NumLayers"/> decoder layers
    /// (GGUF <c>{arch}.nextn_predict_layers</c>, config.json num_nextn_predict_layers). Decoding does not
    /// run them; their tensors are accounted as ignored.
    /// </summary>
    public int NextNPredictLayers { get; init; }

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first inconsistency.</summary>
    public ModelConfig Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ModelConfigException($"{Architecture} config{(BuiltBy.Length > 0 ? $" ({BuiltBy})" : "")}: {what}");
        }
        Require(HiddenSize > 0, $"hidden size must be > 0 (got {HiddenSize})");
        Require(NumLayers > 0, $"layer count must be > 0 (got {NumLayers})");
        Require(VocabSize > 0, $"vocabulary size must be > 0 (got {VocabSize})");
        Require(IntermediateSize > 0 || (Moe is not null && Moe.LeadingDenseBlocks == 0), $"intermediate size must be > 0 (got {IntermediateSize})");
        Require(NormEps is >= 1e-30f and <= 1f, $"norm epsilon must be in [1e-30, 1] (got {NormEps})");
        Attention.Validate(HiddenSize, Require);
        Rope.Validate(Attention, Require);
        Moe?.Validate(NumLayers, Require);
        return this;
    }
}
