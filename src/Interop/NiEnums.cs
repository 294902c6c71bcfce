namespace NativeInfer.Interop;

/// <summary>Status codes of the C ABI (<c>ni_status</c>).</summary>
public enum NiStatus
{
    Ok = 0,
    InvalidArgument = 1,
    UnsupportedType = 2,
    Shape = 3,
    OutOfMemory = 4,
    UnsupportedIsa = 5,
    Internal = 6,
    Unavailable = 7,
    System = 8,
}

/// <summary>What <c>ni_memory_prepare</c> does to a range of mapped weights (<c>NI_MEMORY_*</c>).</summary>
[Flags]
public enum NiMemoryFlags : uint
{
    None = 0,
    HugePages = 1,
    Populate = 2,
    Lock = 4,
}

/// <summary>
/// Tensor element types, numbered as ggml numbers them (<c>ni_type</c>). Which of them the library
/// multiplies is the native table's to say (<see cref="NiTypeInfo.IsWeightType"/>; QuantTypes.WeightTypes
/// asks it), so a type the library gains needs no managed change beyond an optional name here.
/// </summary>
public enum NiType
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q8_0 = 8,
    Q4_K = 12,
    Q6_K = 14,
    Q8_K = 15,
    BF16 = 30,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q5_K = 13,
    IQ4_NL = 20,
    IQ4_XS = 23,
    // i-quants: read (dequantize, matmul, MoE), never written — they need an importance matrix
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ1_M = 29,
}

/// <summary>Instruction sets a kernel pool can run (<c>ni_isa</c>).</summary>
public enum NiIsa
{
    Auto = 0,
    Scalar = 1,
    Avx2 = 2,
    Avx512 = 3,
    Avx512Vnni = 4,
}

/// <summary>CPU feature bits reported by <c>ni_cpu_get_info</c>.</summary>
[Flags]
public enum NiCpuFeatures : uint
{
    None = 0,
    Avx2 = 1u << 0,
    Fma = 1u << 1,
    F16c = 1u << 2,
    Avx512F = 1u << 3,
    Avx512BW = 1u << 4,
    Avx512DQ = 1u << 5,
    Avx512VL = 1u << 6,
    Avx512Vnni = 1u << 7,
    Avx512Bf16 = 1u << 8,
    OsAvx512 = 1u << 9,
    Avx512Vbmi = 1u << 10,
}

/// <summary>Flags of <c>ni_moe_experts</c>.</summary>
[Flags]
public enum NiMoeFlags : uint
{
    None = 0,
    /// <summary>Add the result onto the output instead of overwriting it.</summary>
    Accumulate = 1u << 0,
}

/// <summary>Modes of <c>ni_matmul_strided_batched</c>.</summary>
public enum NiMatMulMode
{
    /// <summary>Y[N][M] = X[N][K] · W[M][K]ᵀ (as ni_matmul).</summary>
    WTransposed = 0,

    /// <summary>Y[N][K] = X[N][M] · W[M][K]: each output row a weighted sum of weight rows (exact dequantization, f32 X).</summary>
    WRows = 1,
}

/// <summary>Struct ids of <c>ni_abi_struct_layout</c>.</summary>
public enum NiAbiStruct
{
    TypeInfo = 0,
    CpuInfo = 1,
    MoeWeights = 2,
}

/// <summary>Struct ids of <c>ni_cuda_abi_struct_layout</c>.</summary>
public enum NiCudaAbiStruct
{
    DeviceInfo = 0,
}
