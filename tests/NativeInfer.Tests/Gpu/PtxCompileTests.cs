using System.Diagnostics;
using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using NativeInfer.Gpu;
using NativeInfer.Gpu.Kernels;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// Every [GpuKernel] of NativeInfer.Gpu compiled to PTX for sm_80 and sm_90 by ILGPU's PTX backend, without a
/// GPU: a kernel that only the CPU accelerator accepts (an unsupported call, a managed allocation, a type the
/// backend cannot lower) fails here. The PTX must not use approximate math (.approx: ILGPU's exp, sin, cos),
/// which the kernels avoid on purpose. Where the CUDA toolkit's ptxas is installed (CI installs it), each PTX
/// is also assembled for the architecture (ptxas -arch sm_80 / sm_90), so anything ptxas rejects fails too;
/// without ptxas that step is reported, not silently passed.
/// </summary>
[Category("GpuEmulated")]
public class PtxCompileTests
{
    private static readonly MethodInfo[] AllKernels = typeof(GpuKernels).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        .Where(m => m.GetCustomAttribute<GpuKernelAttribute>() is not null)
        .OrderBy(m => m.DeclaringType!.Name + "." + m.Name)
        .ToArray();

    private static IEnumerable<TestCaseData> Cases() =>
        from kernel in AllKernels
        from arch in new[] { "sm_80", "sm_90" }
        select new TestCaseData(kernel, arch).SetArgDisplayNames($"{kernel.DeclaringType!.Name}.{kernel.Name}", arch);

    [Test]
    public void EveryLauncherKernel_IsMarkedForThisTest()
    {
        // The kernels the launchers load; a new kernel without [GpuKernel] would escape the PTX check.
        string[] expected =
        [
            "CausalSoftmaxKernel.Kernel", "DenseF16Kernel.Kernel", "DenseF32Kernel.Kernel", "EmbeddingKernel.Kernel", "GqaAttentionKernels.Scores", "GqaAttentionKernels.Values",
            "HalfConvertKernel.ToFloatKernel", "HalfConvertKernel.ToHalfKernel", "MlaAttentionKernels.AbsorbQuery", "MlaAttentionKernels.AbsorbQueryF32", "MlaAttentionKernels.LatentValue",
            "MlaAttentionKernels.Output", "MlaAttentionKernels.OutputF32", "MlaAttentionKernels.Scores", "ResidualAddKernel.Kernel", "RmsNormKernel.Kernel", "RopeKernel.Kernel",
            "RouterKernel.Kernel", "RowCopyKernel.Kernel", "SiluMulKernel.Kernel",
        ];
        Assert.That(AllKernels.Select(m => $"{m.DeclaringType!.Name}.{m.Name}"), Is.SupersetOf(expected));
    }

    [TestCaseSource(nameof(Cases))]
    public void Kernel_CompilesToPtx_WithoutApproximateMath(MethodInfo kernel, string arch)
    {
        CudaArchitecture architecture = arch == "sm_80" ? CudaArchitecture.SM_80 : CudaArchitecture.SM_90;
        using Context context = Context.Create(b => b.EnableAlgorithms());
        // PTX ISA 7.8 is what CUDA 11.8 (the toolkit CI installs) assembles, and it covers sm_90.
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_78, null);
        var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), new KernelSpecialization());
        string ptx = compiled.PTXAssembly;
        // ILGPU 1.5.3 writes ".target sm_80" for every architecture from sm_80 up (measured for sm_86, 89, 90 and
        // ISA 7.8 to 8.5); the backend's architecture still decides which instructions it may use. On an H100 the
        // driver JIT-compiles that sm_80 PTX for sm_90, which is what ptxas -arch sm_90 does below.
        Assert.That(ptx, Does.Contain(".target sm_80"));
        string[] approximate = ptx.Split('\n').Where(l => l.Contains(".approx")).Select(l => l.Trim()).ToArray();
        Assert.That(approximate, Is.Empty, "approximate instructions in the PTX");

        string? ptxas = FindPtxas();
        if (ptxas is null)
        {
            TestContext.Out.WriteLine("ptxas not found (no CUDA toolkit): PTX generated and checked, not assembled");
            return;
        }
        string file = Path.Combine(Path.GetTempPath(), $"ni-{kernel.DeclaringType!.Name}-{kernel.Name}-{arch}-{Environment.ProcessId}.ptx");
        File.WriteAllText(file, ptx);
        try
        {
            var start = new ProcessStartInfo(ptxas, ["-arch", arch, "-o", "/dev/null", file]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using Process process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.EqualTo(0), $"ptxas -arch {arch} rejected the PTX: {errors}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string? FindPtxas()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/local/cuda/bin"))
        {
            string candidate = Path.Combine(dir, "ptxas");
            if (dir.Length > 0 && File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
