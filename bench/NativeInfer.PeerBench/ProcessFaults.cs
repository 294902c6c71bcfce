namespace NativeInfer.PeerBench;

/// <summary>
/// The process's page-fault counts (Linux /proc/self/stat: minflt, majflt), read around each run: a major fault
/// is a page read from disk, so a run that takes them was not measured on a warm page cache — one engine's
/// file-backed weights can be evicted while the other holds its own copy in anonymous memory.
/// </summary>
internal readonly record struct ProcessFaults(long Minor, long Major)
{
    public static ProcessFaults Now()
    {
        if (!OperatingSystem.IsLinux()) return default;
        string stat = File.ReadAllText("/proc/self/stat");
        // Fields after the parenthesised command name, from field 3 (state): minflt is field 10, majflt field 12.
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return new ProcessFaults(long.Parse(f[10 - 3]), long.Parse(f[12 - 3]));
    }

    public static ProcessFaults operator -(ProcessFaults a, ProcessFaults b) => new(a.Minor - b.Minor, a.Major - b.Major);
}
