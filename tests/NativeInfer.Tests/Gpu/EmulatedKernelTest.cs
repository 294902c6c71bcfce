using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using NativeInfer.Gpu.Kernels;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// Base of the kernel tests on ILGPU's CPU accelerator (category GpuEmulated, runs everywhere): each fixture
/// runs twice, with two warp/group shapes (4-thread warps × 2 = groups of 8, and 16-thread warps × 2 = groups
/// of 32), so group reductions, strided loops and barriers are exercised with partial and whole groups.
/// The CPU accelerator runs one thread per lane: shapes stay small.
/// </summary>
[Category("GpuEmulated")]
[TestFixture(4, 2)]
[TestFixture(16, 2)]
public abstract class EmulatedKernelTest(int warpSize, int warps)
{
    private Context _context = null!;

    protected CPUAccelerator Accelerator { get; private set; } = null!;
    protected AcceleratorStream Stream { get; private set; } = null!;
    protected GpuKernels Kernels { get; private set; } = null!;
    protected string ShapeName => $"warp {warpSize} × {warps}";

    [OneTimeSetUp]
    public void CreateAccelerator()
    {
        _context = Context.Create(b => b.CPU(new CPUDevice(warpSize, warps, 1)).EnableAlgorithms());
        Accelerator = _context.CreateCPUAccelerator(0);
        Stream = Accelerator.CreateStream();
        Kernels = new GpuKernels(Accelerator);
        Assert.That(Kernels.Shape.GroupSize, Is.EqualTo(warpSize * warps));
    }

    [OneTimeTearDown]
    public void DisposeAccelerator()
    {
        Stream?.Dispose();
        Accelerator?.Dispose();
        _context?.Dispose();
    }

    protected MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(T[] values) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(1, values.Length));
        if (values.Length > 0) buffer.View.SubView(0, values.Length).CopyFromCPU(Stream, values);
        Stream.Synchronize();
        return buffer;
    }

    protected MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(length);
        buffer.MemSetToZero(Stream);
        Stream.Synchronize();
        return buffer;
    }

    protected T[] Download<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
    {
        Stream.Synchronize();
        return buffer.GetAsArray1D(Stream);
    }
}
