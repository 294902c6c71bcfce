using System.Collections.Concurrent;
using NativeInfer.Diagnostics;
using NativeInfer.Kernels;

namespace NativeInfer.Bench.Support;

/// <summary>
/// Read bandwidth of a pool, measured when a decode case is set up (same run, same threads); see
/// <see cref="MemoryBandwidth"/>. Every probe of the run is kept: the "of bandwidth" columns divide by
/// their median, because one probe on a shared machine swings by ±30 % and would make a single case's
/// ratio say more about its neighbours than about the kernel.
/// </summary>
public static class Bandwidth
{
    public const long ProbeBytes = MemoryBandwidth.DefaultBytes;

    private static readonly ConcurrentQueue<double> Probes = new();

    public static double Measure(KernelPool pool)
    {
        double bytesPerSecond = MemoryBandwidth.Measure(pool, ProbeBytes);
        Probes.Enqueue(bytesPerSecond);
        return bytesPerSecond;
    }

    /// <summary>The median of every probe so far in this process (0 when none ran).</summary>
    public static double RunMedian
    {
        get
        {
            double[] all = Probes.ToArray();
            if (all.Length == 0) return 0;
            Array.Sort(all);
            return all.Length % 2 == 1 ? all[all.Length / 2] : (all[all.Length / 2 - 1] + all[all.Length / 2]) / 2;
        }
    }

    public static int ProbeCount => Probes.Count;
}
