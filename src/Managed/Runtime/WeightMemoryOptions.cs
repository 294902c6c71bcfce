using NativeInfer.Diagnostics;

namespace NativeInfer.Runtime;

/// <summary>
/// How the memory-mapped weights are backed and when they are read in (docs/generation.md, "Cold start and
/// huge pages"). Only a model mapped from a file is affected; one parsed from memory ignores these.
/// </summary>
public sealed record WeightMemoryOptions
{
    /// <summary>
    /// Ask the OS to back the tensor data with 2 MiB pages (Linux MADV_HUGEPAGE; advice, ignored where it
    /// has no effect). Decode streams every weight once per token; huge pages cut its TLB misses ~512-fold
    /// (docs/benchmarks.md measures the gain). On by default.
    /// </summary>
    public bool HugePages { get; init; } = true;

    /// <summary>
    /// Read every weight page in during load, so the first request runs at steady speed instead of
    /// stalling on page faults (and an unreadable file fails the load, not a request). Off by default:
    /// a load then maps in milliseconds and pages arrive as they are used.
    /// </summary>
    public bool Preload { get; init; }

    /// <summary>Lock the weights in RAM after preloading them (implies <see cref="Preload"/>); the load fails if the OS refuses (RLIMIT_MEMLOCK).</summary>
    public bool Lock { get; init; }

    /// <summary>
    /// Before preloading, drop the file's cached pages that no process maps, so they are read back from
    /// disk in huge pages. Pages another program read earlier stay in small pages until dropped, and
    /// small pages forgo the huge-page speed-up; this costs one read of the file from disk.
    /// </summary>
    public bool RereadIntoHugePages { get; init; }

    /// <summary>Where preloading reports its progress (stage "preload", in bytes); null = nowhere.</summary>
    public IProgress<OperationProgress>? Progress { get; init; }
}
