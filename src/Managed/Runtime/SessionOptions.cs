using NativeInfer.Interop;

namespace NativeInfer.Runtime;

/// <summary>
/// Per-session settings: threads, cache size and type, batch length. Immutable; <see cref="Validate"/> names the
/// first bad value. The generation API's <c>GenerationSessionOptions</c> extends these with what only it uses.
/// </summary>
public record SessionOptions
{
    /// <summary>Kernel threads of the session, counting the calling thread; 0 = all logical CPUs. Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>Instruction set of the session's kernels. Default Auto (the best the CPU has).</summary>
    public NiIsa Isa { get; init; } = NiIsa.Auto;

    /// <summary>The most tokens a session gets when <see cref="ContextLength"/> is 0 (the model's may be more).</summary>
    public const int DefaultContextCap = 4096;

    /// <summary>KV cache capacity in tokens; 0 = the model's context length capped at <see cref="DefaultContextCap"/>. Default 0.</summary>
    public int ContextLength { get; init; }

    /// <summary>KV cache element type: F32 (what the reference logits use), F16 or BF16. Default F32.</summary>
    public NiType KvCacheType { get; init; } = NiType.F32;

    /// <summary>Longest batch of one forward pass; longer prompts run as several. Default 512.</summary>
    public int MaxBatchTokens { get; init; } = 512;

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value ("&lt;options type&gt;.&lt;property&gt;").</summary>
    public virtual SessionOptions Validate()
    {
        string t = GetType().Name;
        if (Threads < 0) throw new InvalidOptionException($"{t}.{nameof(Threads)}", Threads, "must be ≥ 0 (0 = all logical CPUs)");
        if (!Enum.IsDefined(Isa)) throw new InvalidOptionException($"{t}.{nameof(Isa)}", Isa, "must be one of " + string.Join(", ", Enum.GetNames<NiIsa>()));
        if (ContextLength < 0) throw new InvalidOptionException($"{t}.{nameof(ContextLength)}", ContextLength, "must be ≥ 0 (0 = the model's, capped at 4096)");
        if (KvCacheType is not (NiType.F32 or NiType.F16 or NiType.BF16))
            throw new InvalidOptionException($"{t}.{nameof(KvCacheType)}", KvCacheType, "must be F32, F16 or BF16");
        if (MaxBatchTokens <= 0) throw new InvalidOptionException($"{t}.{nameof(MaxBatchTokens)}", MaxBatchTokens, "must be > 0");
        return this;
    }
}
