using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace NativeInfer.Interop;

/// <summary>Mirror of <c>ni_type_info</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NiTypeInfo
{
    public int Type;
    public int BlockSize;
    public long BlockBytes;
    public int ActivationType;
    public int IsWeightType;
    public NameBuffer Name;

    [InlineArray(16)]
    public struct NameBuffer { private byte _first; }

    public readonly string NameString => NiText.FromNullTerminated(Name);
}

/// <summary>Mirror of <c>ni_cpu_info</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NiCpuInfo
{
    public uint Features;
    public int BestIsa;
    public int AutoIsa;
    public int EnvOverride;
    public int LogicalCpus;
    public int Reserved;
    public BrandBuffer Brand;

    [InlineArray(64)]
    public struct BrandBuffer { private byte _first; }

    public readonly string BrandString => NiText.FromNullTerminated(Brand);
}

/// <summary>Mirror of <c>ni_moe_weights</c>: stacked expert tensors in GGUF layout.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct NiMoeWeights
{
    public void* Gate;
    public void* Up;
    public void* Down;
    public int GateType;
    public int UpType;
    public int DownType;
    public int Reserved;
    public long NExperts;
    public long Hidden;
    public long Ffn;
}

internal static class NiText
{
    public static string FromNullTerminated(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}

/// <summary>Mirror of <c>ni_cuda_device_info</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NiCudaDeviceInfo
{
    public int Device;
    public int ComputeMajor;
    public int ComputeMinor;
    public int SmCount;
    public long TotalMemory;
    public long MemoryBandwidth;
    public int MemoryClockKhz;
    public int MemoryBusWidth;
    public int MaxSharedPerBlock;
    public int MarlinSupported;
    public NameBuffer Name;

    [InlineArray(256)]
    public struct NameBuffer { private byte _first; }

    public readonly string NameString => NiText.FromNullTerminated(Name);
}
