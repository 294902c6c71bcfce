namespace NativeInfer.Quantization;

/// <summary>llama.cpp's named mixes the quantizer can write (<see cref="GgufMixRules"/> has their per-tensor rules).</summary>
public enum GgufQuantizeMix
{
    /// <summary>Every converted tensor gets the target type.</summary>
    None = 0,

    /// <summary>LLAMA_FTYPE_MOSTLY_Q4_K_M: Q4_K, with Q6_K for the output and some attn_v / ffn_down layers.</summary>
    Q4_K_M = 15,

    /// <summary>LLAMA_FTYPE_MOSTLY_Q5_K_M: Q5_K, with Q6_K for the output and some attn_v / ffn_down layers.</summary>
    Q5_K_M = 17,
}
