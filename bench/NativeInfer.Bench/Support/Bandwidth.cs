using System.Diagnostics;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Bench.Support;

/// <summary>
/// Read bandwidth of a pool, measured when a decode case is set up (same run, same threads), as the
/// median of 9 passes over 256 MB — the same kind of statistic as the kernel's mean, and robust to
/// the bursts of a shared machine.
/// </summary>
public static unsafe class Bandwidth
{
    public const long ProbeBytes = 256L << 20;

    public static double Measure(KernelPool pool)
    {
        using var buffer = new NativeBuffer(ProbeBytes);
        buffer.AsSpan<byte>().Fill(1);
        pool.ReadMemory(buffer.Pointer, (nuint)ProbeBytes);
        var seconds = new double[9];
        for (int i = 0; i < seconds.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pool.ReadMemory(buffer.Pointer, (nuint)ProbeBytes);
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        return ProbeBytes / seconds[seconds.Length / 2];
    }
}
