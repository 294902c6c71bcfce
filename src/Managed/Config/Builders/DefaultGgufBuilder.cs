namespace NativeInfer.Config.Builders;

/// <summary>
/// The fallback for any GGUF whose <c>{arch}.block_count</c> and <c>{arch}.embedding_length</c> are
/// present: a plain Llama-style decoder from the generic keys (<see cref="GgufDecoder"/>), RoPE on
/// adjacent pairs (ggml's normal mode, what llama-family files use), q/k/v biases iff the file has
/// <c>blk.0.attn_q.bias</c>. Lowest priority. Files with experts are refused: routing differs too much
/// between MoE architectures to guess.
/// </summary>
public sealed class DefaultGgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:default";
    public int Priority => ModelConfigBuilders.DefaultPriority;

    public bool CanBuild(ModelSource source) =>
        source.Format == ModelFormat.Gguf
        && source.Gguf!.Contains($"{source.Architecture}.block_count")
        && source.Gguf.Contains($"{source.Architecture}.embedding_length");

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        if (k.IntOr("expert_count", 0) > 0)
            throw k.Invalid(k.Key("expert_count"), $"is set: the default builder makes dense decoders only; register a config builder for '{k.Arch}'");
        ModelConfig config = GgufDecoder.Read(k, RopeStyle.AdjacentPairs, qkvBias: source.HasTensor("blk.0.attn_q.bias") == true).Validate();
        k.RefuseUnread(Name, Qwen2MoeGgufBuilder.NoEffect);
        return config;
    }
}
