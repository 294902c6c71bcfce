using NativeInfer.Interop;
using NativeInfer.Runtime;

namespace NativeInfer.Generation;

/// <summary>Per-session settings: threads, cache size and type, overflow policy. Immutable; <see cref="Validate"/> names the first bad value.</summary>
public sealed record GenerationSessionOptions
{
    /// <summary>Kernel threads of the session, counting the calling thread; 0 = all logical CPUs. Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>Instruction set of the session's kernels. Default Auto (the best the CPU has).</summary>
    public NiIsa Isa { get; init; } = NiIsa.Auto;

    /// <summary>KV cache capacity in tokens; 0 = the model's context length capped at 4096. Default 0.</summary>
    public int ContextLength { get; init; }

    /// <summary>KV cache element type: F32, F16 or BF16. Default F32.</summary>
    public NiType KvCacheType { get; init; } = NiType.F32;

    /// <summary>Longest batch of one forward pass; longer prompts run as several. Default 512.</summary>
    public int MaxBatchTokens { get; init; } = 512;

    /// <summary>What happens when the context is full. Default <see cref="ContextOverflowPolicy.Throw"/>.</summary>
    public ContextOverflowPolicy OverflowPolicy { get; init; } = ContextOverflowPolicy.Throw;

    /// <summary><see cref="ContextOverflowPolicy.TruncateOldest"/>: tokens at the start never dropped (a leading BOS always is kept). Default 0.</summary>
    public int KeepTokens { get; init; }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value.</summary>
    public GenerationSessionOptions Validate()
    {
        const string T = nameof(GenerationSessionOptions);
        if (Threads < 0) throw new InvalidOptionException($"{T}.{nameof(Threads)}", Threads, "must be ≥ 0 (0 = all logical CPUs)");
        if (!Enum.IsDefined(Isa)) throw new InvalidOptionException($"{T}.{nameof(Isa)}", Isa, "must be one of " + string.Join(", ", Enum.GetNames<NiIsa>()));
        if (ContextLength < 0) throw new InvalidOptionException($"{T}.{nameof(ContextLength)}", ContextLength, "must be ≥ 0 (0 = the model's, capped at 4096)");
        if (KvCacheType is not (NiType.F32 or NiType.F16 or NiType.BF16))
            throw new InvalidOptionException($"{T}.{nameof(KvCacheType)}", KvCacheType, "must be F32, F16 or BF16");
        if (MaxBatchTokens <= 0) throw new InvalidOptionException($"{T}.{nameof(MaxBatchTokens)}", MaxBatchTokens, "must be > 0");
        if (!Enum.IsDefined(OverflowPolicy))
            throw new InvalidOptionException($"{T}.{nameof(OverflowPolicy)}", OverflowPolicy, "must be Throw, StopGeneration or TruncateOldest");
        if (KeepTokens < 0) throw new InvalidOptionException($"{T}.{nameof(KeepTokens)}", KeepTokens, "must be ≥ 0");
        if (ContextLength > 0 && KeepTokens >= ContextLength)
            throw new InvalidOptionException($"{T}.{nameof(KeepTokens)}", KeepTokens, $"must be less than the context length ({ContextLength})");
        return this;
    }

    internal SessionOptions ToSessionOptions() => new()
    {
        Threads = Threads, Isa = Isa, ContextLength = ContextLength, KvCacheType = KvCacheType, MaxBatchTokens = MaxBatchTokens,
    };
}
