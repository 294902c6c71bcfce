namespace NativeInfer.Config.Builders;

/// <summary>
/// The counts of a config that size work — layers (the module tree, the expected-tensor list, the KV
/// cache), experts, widths, heads, vocabulary — checked against what the file actually holds before
/// anything is built from them, so one header value cannot buy gigabytes: a layer needs a tensor of its
/// own (<c>blk.N.</c> / <c>layers.N.</c>), every width and head count is a dimension of some weight (no
/// larger than the largest one), and experts are a dimension (stacked) or an index in the names. A source
/// with no tensors to check against (a vocabulary-only GGUF, a config.json without a checkpoint, metadata
/// alone) gets fixed ceilings far above real models instead. Called by <see cref="ModelConfigBuilders.Build(ModelSource)"/>,
/// the one place every config meets its file; the error names the metadata key.
/// </summary>
public static class ConfigFileBounds
{
    /// <summary>Most layers a source without tensors may declare (real models: ≤ 128).</summary>
    public const int MaxLayersWithoutTensors = 512;

    /// <summary>Most routed experts a source without tensors may declare (real models: ≤ 384).</summary>
    public const int MaxExpertsWithoutTensors = 512;

    /// <summary>Throws <see cref="ModelConfigException"/> naming the key of the first count the file cannot back.</summary>
    public static void Check(ModelConfig config, ModelSource source)
    {
        SourceContents? contents = source.Contents;
        if (contents is not { TensorCount: > 0 })
        {
            string what = contents is null ? "no tensors were given with the metadata" : "the file holds no tensors";
            Require(config.NumLayers <= MaxLayersWithoutTensors, source, Keys.Layers,
                    $"is {config.NumLayers}; {what}, so at most {MaxLayersWithoutTensors} layers are accepted");
            if (config.Moe is { } m)
                Require(m.NumExperts <= MaxExpertsWithoutTensors, source, Keys.Experts,
                        $"is {m.NumExperts}; {what}, so at most {MaxExpertsWithoutTensors} experts are accepted");
            return;
        }

        int layers = config.NumLayers;
        if (contents.LayerCount > 0)
        {
            Require(layers - 1 <= contents.LastLayer, source, Keys.Layers,
                    $"is {layers}, but no tensor belongs to layer {layers - 1}: the tensor names stop at layer {contents.LastLayer}");
            Require(layers <= contents.LayerCount, source, Keys.Layers,
                    $"is {layers}, but the tensor names cover only {contents.LayerCount} distinct layers");
        }
        else
        {
            Require(layers <= contents.TensorCount, source, Keys.Layers,
                    $"is {layers}, but the file holds only {contents.TensorCount} tensors (every layer has weights of its own)");
        }

        long largest = contents.LargestDimension;
        void Width(long value, Key key, string what) =>
            Require(value <= largest, source, key, $"gives {what} = {value}, larger than every dimension of every tensor in the file (the largest is {largest})");
        Width(config.HiddenSize, Keys.Hidden, "the hidden size");
        Width(config.VocabSize, Keys.Vocab, "the vocabulary size");
        // A model whose every layer is MoE may carry a feed_forward_length no tensor uses.
        if (Enumerable.Range(0, layers).Any(l => !config.IsMoeLayer(l))) Width(config.IntermediateSize, Keys.Intermediate, "the MLP width");
        AttentionConfig a = config.Attention;
        if (a.Kind == AttentionKind.MultiHeadLatent)
        {
            // The q projection's rows (kv_b may be stored split per head, so it bounds nothing more).
            Width((long)a.NumHeads * a.QkHeadDim, Keys.Heads, "heads × (nope + rope) head dims");
            Width(a.VHeadDim, Keys.ValueLength, "the value head dim");
            Width(a.KvLoraRank + (long)a.QkRopeHeadDim, Keys.KvLoraRank, "kv_lora_rank + rope dims");
            if (a.QLoraRank is int q) Width(q, Keys.QLoraRank, "q_lora_rank");
        }
        else
        {
            Width((long)a.NumHeads * a.HeadDim, Keys.Heads, "heads × head dim");
            Width((long)a.NumKvHeads * Math.Max(a.HeadDim, a.ValueHeadDim), Keys.KvHeads, "KV heads × head dim");
        }
        if (config.Moe is { } moe)
        {
            Width(moe.ExpertIntermediateSize, Keys.ExpertWidth, "the expert width");
            if (moe.NumSharedExperts > 0) Width(moe.SharedIntermediateSize, Keys.SharedWidth, "the shared-expert width");
            // Stacked experts (GGUF) are a dimension; per-expert tensors (safetensors) an index in the names.
            long backed = Math.Max(largest, contents.LargestIndex + 1);
            Require(moe.NumExperts <= backed, source, Keys.Experts,
                    $"is {moe.NumExperts}, but no tensor dimension or expert index in the file reaches it (largest {backed})");
        }
    }

    private static void Require(bool ok, ModelSource source, Key key, string problem)
    {
        if (ok) return;
        string name = key.Name(source);
        throw new ModelConfigException($"{source.Description}: metadata key '{name}' {problem}") { Key = name, SourceDescription = source.Description };
    }

    /// <summary>Where a count comes from: a GGUF key suffix ({arch}.suffix) and the config.json key(s).</summary>
    private sealed record Key(string GgufSuffix, params string[] HfKeys)
    {
        public string Name(ModelSource source)
        {
            if (source.Format == ModelFormat.Gguf)
            {
                string key = $"{source.Architecture}.{GgufSuffix}";
                // Without {arch}.vocab_size the vocabulary is the length of the token list (GgufDecoder.VocabSize).
                return GgufSuffix == "vocab_size" && source.Gguf?.Contains(key) != true ? "tokenizer.ggml.tokens" : key;
            }
            return HfKeys.FirstOrDefault(k => source.HfConfig?.Contains(k) == true) ?? HfKeys[0];
        }
    }

    private static class Keys
    {
        public static readonly Key Layers = new("block_count", "num_hidden_layers");
        public static readonly Key Experts = new("expert_count", "n_routed_experts", "num_experts", "num_local_experts");
        public static readonly Key Hidden = new("embedding_length", "hidden_size");
        public static readonly Key Vocab = new("vocab_size", "vocab_size");
        public static readonly Key Intermediate = new("feed_forward_length", "intermediate_size");
        public static readonly Key Heads = new("attention.head_count", "num_attention_heads");
        public static readonly Key KvHeads = new("attention.head_count_kv", "num_key_value_heads");
        public static readonly Key ValueLength = new("attention.value_length", "v_head_dim");
        public static readonly Key KvLoraRank = new("attention.kv_lora_rank", "kv_lora_rank");
        public static readonly Key QLoraRank = new("attention.q_lora_rank", "q_lora_rank");
        public static readonly Key ExpertWidth = new("expert_feed_forward_length", "moe_intermediate_size");
        public static readonly Key SharedWidth = new("expert_shared_count", "shared_expert_intermediate_size", "n_shared_experts");
    }
}
