using NativeInfer.Diagnostics;
using NativeInfer.Kernels;

namespace NativeInfer.Bench.Support;

/// <summary>Read bandwidth of a pool, measured when a decode case is set up (same run, same threads); see <see cref="MemoryBandwidth"/>.</summary>
public static class Bandwidth
{
    public const long ProbeBytes = MemoryBandwidth.DefaultBytes;

    public static double Measure(KernelPool pool) => MemoryBandwidth.Measure(pool, ProbeBytes);
}
