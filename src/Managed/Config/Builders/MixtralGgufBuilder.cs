using NativeInfer.Gguf;

namespace NativeInfer.Config.Builders;

/// <summary>
/// GGUF <c>llama</c> with <c>llama.expert_count</c> &gt; 0 (Mixtral): the llama keys plus expert_count and
/// expert_used_count; every expert feed_forward_length wide (llama.cpp's llama loader); softmax top-k
/// renormalised to sum to 1 (its llama graph passes norm_w = true), no shared experts.
/// Priority <see cref="ModelConfigBuilders.SpecializedPriority"/>: it specialises gguf:llama, whose
/// condition holds too.
/// </summary>
public sealed class MixtralGgufBuilder : IModelConfigBuilder
{
    public string Name => "gguf:mixtral";
    public int Priority => ModelConfigBuilders.SpecializedPriority;

    public bool CanBuild(ModelSource source)
    {
        if (source.Format != ModelFormat.Gguf || source.Architecture != "llama") return false;
        try
        {
            return source.Gguf!.TryGetInteger("llama.expert_count", out long n) && n > 0;
        }
        catch (GgufMetadataException)
        {
            return true; // present but malformed: Build names the key
        }
    }

    public ModelConfig Build(ModelSource source)
    {
        var k = new GgufKeys(source);
        ModelConfig dense = GgufDecoder.Read(k, RopeStyle.AdjacentPairs, qkvBias: false);
        ModelConfig config = (dense with { Moe = GgufDecoder.MixtralExperts(k, dense.IntermediateSize) ?? throw k.Missing(k.Key("expert_count"), "an integer > 0") }).Validate();
        k.RefuseUnread(Name, Qwen2MoeGgufBuilder.NoEffect);
        return config;
    }
}
