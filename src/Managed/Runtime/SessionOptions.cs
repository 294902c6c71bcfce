using NativeInfer.Interop;

namespace NativeInfer.Runtime;

/// <summary>Per-session settings, validated when the session is created.</summary>
public sealed record SessionOptions
{
    /// <summary>Kernel threads, counting the calling thread; 0 = all logical CPUs.</summary>
    public int Threads { get; init; }

    /// <summary>Instruction set of the session's kernels (Auto = the best the CPU has).</summary>
    public NiIsa Isa { get; init; } = NiIsa.Auto;

    /// <summary>The most tokens a session gets when <see cref="ContextLength"/> is 0 (the model's may be more).</summary>
    public const int DefaultContextCap = 4096;

    /// <summary>Cache capacity in tokens; 0 = the model's context length, capped at <see cref="DefaultContextCap"/>.</summary>
    public int ContextLength { get; init; }

    /// <summary>Element type of the KV cache: F32 (default; what the reference logits use), F16 or BF16.</summary>
    public NiType KvCacheType { get; init; } = NiType.F32;

    /// <summary>Longest prefill batch; longer prompts run as several batches.</summary>
    public int MaxBatchTokens { get; init; } = 512;

    internal void Validate()
    {
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads must be ≥ 0 (0 = all CPUs)");
        if (ContextLength < 0) throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "context length must be ≥ 0");
        if (KvCacheType is not (NiType.F32 or NiType.F16 or NiType.BF16))
            throw new ArgumentOutOfRangeException(nameof(KvCacheType), KvCacheType, "KV cache type must be F32, F16 or BF16");
        if (MaxBatchTokens <= 0) throw new ArgumentOutOfRangeException(nameof(MaxBatchTokens), MaxBatchTokens, "max batch tokens must be > 0");
    }
}
