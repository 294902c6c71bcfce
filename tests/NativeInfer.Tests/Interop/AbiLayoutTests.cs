using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NativeInfer.Interop;

namespace NativeInfer.Tests.Interop;

/// <summary>The C# mirrors of the ABI structs against sizes and offsets reported by the C compiler.</summary>
public unsafe class AbiLayoutTests
{
    [Test]
    public void AbiVersion_MatchesBindings() => Assert.That(NativeMethods.GetAbiVersion(), Is.EqualTo(NativeMethods.AbiVersion));

    [TestCase(NiAbiStruct.TypeInfo, typeof(NiTypeInfo), new[] { "Type", "BlockSize", "BlockBytes", "ActivationType", "IsWeightType", "Name" })]
    [TestCase(NiAbiStruct.CpuInfo, typeof(NiCpuInfo), new[] { "Features", "BestIsa", "AutoIsa", "EnvOverride", "LogicalCpus", "Reserved", "Brand" })]
    [TestCase(NiAbiStruct.MoeWeights, typeof(NiMoeWeights), new[] { "Gate", "Up", "Down", "GateType", "UpType", "DownType", "Reserved", "NExperts", "Hidden", "Ffn" })]
    public void Struct_MatchesNativeLayout(NiAbiStruct which, Type mirror, string[] fields)
    {
        for (int i = 0; i < fields.Length; i++)
        {
            nuint size, offset;
            NiException.ThrowIfFailed(NativeMethods.AbiStructLayout((int)which, i, &size, &offset));
            Assert.That((long)size, Is.EqualTo(Marshal.SizeOf(mirror)), $"sizeof {mirror.Name}");
            Assert.That((long)offset, Is.EqualTo((long)Marshal.OffsetOf(mirror, fields[i])), $"{mirror.Name}.{fields[i]}");
        }
        nuint s, o;
        Assert.That(NativeMethods.AbiStructLayout((int)which, fields.Length, &s, &o), Is.EqualTo(NiStatus.InvalidArgument),
            "the native struct has more fields than the mirror");
    }

    [Test]
    public void UnmanagedSizes_MatchMarshalSizes()
    {
        Assert.That(Unsafe.SizeOf<NiTypeInfo>(), Is.EqualTo(Marshal.SizeOf<NiTypeInfo>()));
        Assert.That(Unsafe.SizeOf<NiCpuInfo>(), Is.EqualTo(Marshal.SizeOf<NiCpuInfo>()));
        Assert.That(Unsafe.SizeOf<NiMoeWeights>(), Is.EqualTo(Marshal.SizeOf<NiMoeWeights>()));
    }
}
