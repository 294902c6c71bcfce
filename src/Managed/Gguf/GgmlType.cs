namespace NativeInfer.Gguf;

/// <summary>
/// Tensor element types with ggml's numbering (ggml.h <c>enum ggml_type</c>), which GGUF stores as is.
/// Ids ggml has retired (4, 5, 31–33, 36–38) keep their names so a file using them is rejected with
/// a message that says what it is; <see cref="GgmlTypes.IsRemoved"/> tells them apart. Block sizes and
/// bytes are in <see cref="GgmlTypes"/>.
/// </summary>
public enum GgmlType
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    /// <summary>Removed from ggml in 2023.</summary>
    Q4_2 = 4,
    /// <summary>Removed from ggml in 2023.</summary>
    Q4_3 = 5,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    /// <summary>Removed from ggml: Q4_0 is repacked at load time instead.</summary>
    Q4_0_4_4 = 31,
    /// <summary>Removed from ggml: Q4_0 is repacked at load time instead.</summary>
    Q4_0_4_8 = 32,
    /// <summary>Removed from ggml: Q4_0 is repacked at load time instead.</summary>
    Q4_0_8_8 = 33,
    TQ1_0 = 34,
    TQ2_0 = 35,
    /// <summary>Removed from ggml: IQ4_NL is repacked at load time instead.</summary>
    IQ4_NL_4_4 = 36,
    /// <summary>Removed from ggml: IQ4_NL is repacked at load time instead.</summary>
    IQ4_NL_4_8 = 37,
    /// <summary>Removed from ggml: IQ4_NL is repacked at load time instead.</summary>
    IQ4_NL_8_8 = 38,
    MXFP4 = 39,
}
