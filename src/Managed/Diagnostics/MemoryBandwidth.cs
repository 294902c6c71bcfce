using System.Diagnostics;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Diagnostics;

/// <summary>
/// The read bandwidth a pool achieves over a buffer larger than the caches: the denominator of every
/// "fraction of roofline" this project reports (kernel report, benchmarks, `nativeinfer bench`), so all of
/// them measure it the same way — the median of several passes, robust to the bursts of a shared machine.
/// </summary>
public static unsafe class MemoryBandwidth
{
    public const long DefaultBytes = 256L << 20;

    /// <summary>Bytes per second of <see cref="KernelPool.ReadMemory"/> on all pool threads (median of <paramref name="passes"/> after one warm-up).</summary>
    public static double Measure(KernelPool pool, long bytes = DefaultBytes, int passes = 9)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        using var buffer = new NativeBuffer(bytes);
        buffer.AsSpan<byte>().Fill(1);
        pool.ReadMemory(buffer.Pointer, (nuint)bytes);
        var seconds = new double[passes];
        for (int i = 0; i < passes; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pool.ReadMemory(buffer.Pointer, (nuint)bytes);
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        return bytes / seconds[passes / 2];
    }
}
