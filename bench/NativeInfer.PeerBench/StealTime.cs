namespace NativeInfer.PeerBench;

/// <summary>
/// Time the hypervisor ran something else while this VM's CPUs wanted to run (Linux /proc/stat, the "steal" column,
/// all CPUs, in clock ticks of 10 ms), read around each run: on a shared VM it shows as step-time spikes that no
/// engine can avoid.
/// </summary>
internal static class StealTime
{
    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        using var reader = new StreamReader("/proc/stat");
        string[] cpu = reader.ReadLine()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal ...
        return cpu.Length > 8 ? long.Parse(cpu[8]) / 100.0 : 0;
    }
}
