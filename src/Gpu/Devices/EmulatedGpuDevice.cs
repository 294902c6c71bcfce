using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using NativeInfer.Gpu.Marlin;
using NativeInfer.Interop;
using NativeInfer.Tensors;
using Device = NativeInfer.Tensors.Device;

namespace NativeInfer.Gpu.Devices;

/// <summary>
/// cuda:N emulated on ILGPU's CPU accelerator: the same kernels run one thread per lane on the CPU, and the int4
/// GEMM is <see cref="MarlinReferenceGemm"/> on the very buffers the kernels write (weights packed by
/// <see cref="MarlinPacking"/> into the layout the real kernel reads). For tests and for seeing a GPU plan run
/// on a machine without one; slow by design. The warp and group shape is a parameter so tests can vary it.
/// </summary>
public sealed unsafe class EmulatedGpuDevice : IlgpuGpuDevice
{
    private readonly int _warpSize, _warps;
    private float[] _column = [];   // the reference GEMM's scratch, kept so a decode step's GEMMs allocate nothing

    private EmulatedGpuDevice(Device device, Context context, CPUAccelerator accelerator, int warpSize, int warps)
        : base(device, context, accelerator, accelerator.CreateStream())
    {
        (_warpSize, _warps) = (warpSize, warps);
    }

    /// <summary>Emulates cuda:<paramref name="index"/> with groups of <paramref name="warpSize"/> × <paramref name="warps"/> threads.</summary>
    public static EmulatedGpuDevice Open(int index, int warpSize = 4, int warps = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (warpSize < 2 || (warpSize & (warpSize - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(warpSize), $"warp size must be a power of two ≥ 2 (got {warpSize})");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(warps);
        GpuDevices.RequireDynamicCode(new Device(DeviceKind.Cuda, index));
        Context context = Context.Create(b => b.CPU(new CPUDevice(warpSize, warps, 1)).EnableAlgorithms());
        try
        {
            return new EmulatedGpuDevice(new Device(DeviceKind.Cuda, index), context, context.CreateCPUAccelerator(0), warpSize, warps);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public override string Description => $"{Device} emulated on ILGPU's CPU accelerator (warps of {_warpSize} × {_warps})";

    public override bool IsEmulated => true;

    public override MarlinWeights UploadMarlin(NiType type, ReadOnlySpan<byte> rows, long n, long k, long groupSize = 32)
    {
        (byte[] weights, byte[] scales) = MarlinPacking.Pack(type, rows, n, k, groupSize);
        var w = Allocate<byte>(weights.Length);
        var s = Allocate<byte>(scales.Length);
        Upload<byte>(weights, w.View);
        Upload<byte>(scales, s.View);
        return new MarlinWeights(n, k, groupSize, w, s, workspace: null);
    }

    public override void MarlinGemm(MarlinWeights weights, ArrayView<ushort> a, ArrayView<ushort> c, int m)
    {
        CheckGemm(weights, a, c, m);
        Stream.Synchronize();  // the kernels that wrote a have run; what is queued after this call runs after it
        if (_column.Length < weights.Columns) _column = new float[weights.Columns];
        var w = (byte*)((ArrayView<byte>)weights.Weights.View).LoadEffectiveAddressAsPtr();
        var s = (ushort*)((ArrayView<byte>)weights.Scales.View).LoadEffectiveAddressAsPtr();
        MarlinReferenceGemm.Multiply(w, s, (ushort*)a.LoadEffectiveAddressAsPtr(), weights.Columns, (ushort*)c.LoadEffectiveAddressAsPtr(), weights.Rows,
            m, weights.Rows, weights.Columns, weights.GroupSize, _column);
    }
}
