namespace NativeInfer.Gpu.Decode;

/// <summary>How the linears' weights are kept on the device.</summary>
public enum GpuLinearPrecision
{
    /// <summary>f16 (half the bytes of f32; the product's weights, as KTransformers keeps its GPU linears).</summary>
    F16,

    /// <summary>f32, the values the CPU kernels use: for checking the decode path's math without f16 rounding.</summary>
    F32,

    /// <summary>
    /// The Marlin int4 GEMM where it is exact and applicable — a Q4_0 weight (repacked without loss: the same nibbles
    /// and f16 scales) whose shape meets the kernel's tiling (N % 64, K % 128) — and f16 for every other linear.
    /// Weights of other types are never requantized to int4 (that would change the model: docs/cuda.md).
    /// </summary>
    Auto,
}

/// <summary>Options of a <see cref="GpuDecodePath"/>.</summary>
public sealed class GpuDecodeOptions
{
    /// <summary>Positions the device KV cache holds (and the RoPE table covers); 0 = the model's context length, capped at 4096.</summary>
    public int ContextLength { get; init; }

    /// <summary>
    /// Attention, dense-MLP, shared-expert and head weights (<see cref="GpuDecodePath.Linears"/> says which took which
    /// storage). The router gate is always f32 (its logits choose experts); MLA's kv_b is f16 under Auto (the
    /// attention kernel reads it per head, not through a GEMM).
    /// </summary>
    public GpuLinearPrecision Linears { get; init; } = GpuLinearPrecision.Auto;

    /// <summary>
    /// Gather the token's embedding row on the CPU (the model's embedding operator) and upload it, instead of keeping
    /// the table on the device: what a rule that places embed_tokens on the CPU asks for (KTransformers' DeepSeek
    /// files, saving the table's device memory). Same values; one upload of [hidden] floats per token instead of its id.
    /// </summary>
    public bool EmbeddingOnHost { get; init; }

    /// <summary>Threads of the CPU kernel pool that runs the routed experts (0 = all cores).</summary>
    public int CpuThreads { get; init; }

    internal int Capacity(int modelContext)
    {
        if (ContextLength < 0) throw new ArgumentOutOfRangeException(nameof(ContextLength), $"context length must be ≥ 0 (got {ContextLength})");
        if (CpuThreads < 0) throw new ArgumentOutOfRangeException(nameof(CpuThreads), $"threads must be ≥ 0 (got {CpuThreads})");
        return ContextLength > 0 ? ContextLength : Math.Min(modelContext, 4096);
    }
}
