using System.Runtime.InteropServices;
using NativeInfer.Interop;

namespace NativeInfer.Kernels;

/// <summary>What the native library sees of the CPU, and which instruction set it will use.</summary>
public sealed record CpuInfo(string Brand, NiCpuFeatures Features, NiIsa BestIsa, NiIsa AutoIsa, NiIsa? EnvironmentOverride, int LogicalCpus)
{
    /// <summary>Queries the native library. A bad NATIVEINFER_ISA value throws, naming it.</summary>
    public static unsafe CpuInfo Query()
    {
        NiCpuInfo info;
        NiException.ThrowIfFailed(NativeMethods.CpuGetInfo(&info));
        return new CpuInfo(info.BrandString.Trim(), (NiCpuFeatures)info.Features, (NiIsa)info.BestIsa, (NiIsa)info.AutoIsa,
            info.EnvOverride >= 0 ? (NiIsa)info.EnvOverride : null, info.LogicalCpus);
    }

    /// <summary>Every ISA this CPU can run, scalar first.</summary>
    public IReadOnlyList<NiIsa> SupportedIsas =>
        Enumerable.Range((int)NiIsa.Scalar, (int)BestIsa - (int)NiIsa.Scalar + 1).Select(i => (NiIsa)i).ToList();

    /// <summary>The native library's lowercase name of an ISA ("avx512_vnni").</summary>
    public static unsafe string IsaName(NiIsa isa) => Marshal.PtrToStringUTF8((nint)NativeMethods.IsaName((int)isa)) ?? "unknown";
}
