namespace NativeInfer.Config.Builders;

/// <summary>
/// What a transformers config class assumes for keys a config.json leaves out (saved configs write
/// them all; hand-written ones may not). Values from the class constructors: LlamaConfig, MistralConfig,
/// Qwen2Config, MixtralConfig, Qwen2MoeConfig, Qwen3Config, Qwen3MoeConfig and DeepSeek's DeepseekV2Config / DeepseekV3Config.
/// </summary>
internal sealed record HfClassDefaults(double RmsNormEps, double RopeTheta, int MaxPositions, int? Bos, int? Eos)
{
    public static HfClassDefaults Llama { get; } = new(1e-6, 10000, 2048, 1, 2);
    public static HfClassDefaults Mistral { get; } = new(1e-6, 10000, 4096 * 32, 1, 2);
    public static HfClassDefaults Qwen2 { get; } = new(1e-6, 10000, 32768, null, null);
    public static HfClassDefaults Mixtral { get; } = new(1e-5, 1e6, 4096 * 32, 1, 2);
    public static HfClassDefaults Qwen2Moe { get; } = new(1e-6, 10000, 32768, null, null);
    public static HfClassDefaults DeepseekV2 { get; } = new(1e-6, 10000, 2048, 100000, 100001);
    public static HfClassDefaults DeepseekV3 { get; } = new(1e-6, 10000, 4096, 0, 1);
    public static HfClassDefaults Qwen3Moe { get; } = new(1e-6, 10000, 32768, null, null);
    public static HfClassDefaults Qwen3 { get; } = new(1e-6, 10000, 32768, null, null);
}
