namespace NativeInfer.Tensors;

/// <summary>Where an operator runs: "cpu" or "cuda[:N]" (the KTransformers spelling).</summary>
public readonly record struct Device(DeviceKind Kind, int Index)
{
    public static readonly Device Cpu = new(DeviceKind.Cpu, 0);

    public bool IsCpu => Kind == DeviceKind.Cpu;

    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";

    /// <summary>Parses "cpu", "cuda", "cuda:1"; false for anything else.</summary>
    public static bool TryParse(string text, out Device device)
    {
        string t = text.Trim().ToLowerInvariant();
        device = Cpu;
        if (t == "cpu") return true;
        if (t == "cuda" || t == "gpu") { device = new Device(DeviceKind.Cuda, 0); return true; }
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int i) && i >= 0)
        {
            device = new Device(DeviceKind.Cuda, i);
            return true;
        }
        return false;
    }
}

public enum DeviceKind
{
    Cpu,
    Cuda,
}
