using System.Reflection;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// ILGPU lives only in NativeInfer.Gpu: the runtime, the interop and the CLI must not reference it (nor the GPU
/// assembly), so a NativeAOT-published service keeps its CPU path (ILGPU emits code at run time).
/// </summary>
[Category("GpuEmulated")]
public class AssemblySplitTests
{
    [TestCase("NativeInfer")]
    [TestCase("NativeInfer.Interop")]
    [TestCase("NativeInfer.Cli")]
    public void Assembly_DoesNotReferenceIlgpu(string name)
    {
        string[] references = Assembly.Load(name).GetReferencedAssemblies().Select(a => a.Name ?? "").ToArray();
        Assert.That(references, Has.None.StartsWith("ILGPU"));
        Assert.That(references, Has.None.EqualTo("NativeInfer.Gpu"));
    }

    [Test]
    public void GpuAssembly_IsWhereIlgpuIs() =>
        Assert.That(typeof(NativeInfer.Gpu.Kernels.GpuKernels).Assembly.GetReferencedAssemblies().Select(a => a.Name), Has.Some.EqualTo("ILGPU"));
}
