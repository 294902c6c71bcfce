using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using NativeInfer.Interop;
using NativeInfer.Tensors;
using Device = NativeInfer.Tensors.Device;
using NiCudaDevice = NativeInfer.Cuda.CudaDevice;
using NiMarlinLayout = NativeInfer.Cuda.MarlinLayout;

namespace NativeInfer.Gpu.Devices;

/// <summary>
/// cuda:N on a real GPU: ILGPU's CUDA accelerator runs the kernels, libnativeinfer_cuda's Marlin GEMM runs on
/// the same explicit non-blocking stream (wrapped with ni_cuda_stream_wrap), on ILGPU's buffers (wrapped with
/// ni_cuda_buffer_wrap), so nothing between them needs a synchronization. ILGPU makes its own CUDA context,
/// not the primary one: every native call runs inside Accelerator.BindScoped(), which makes that context
/// current on the calling thread. Not run in this repository's CI (no GPU): the device script runs it.
/// </summary>
public sealed class CudaGpuDevice : IlgpuGpuDevice
{
    private readonly SafeCudaStreamHandle _nativeStream;
    private readonly string _name;
    // GEMM operands wrapped once per (address, bytes): the decode path hands the same staging buffers every step, and
    // a wrap is a native allocation plus a cudaPointerGetAttributes. The wraps do not own the memory; an entry whose
    // buffer was freed is only ever looked up again for a live buffer at the same address and size, which it describes.
    private readonly Dictionary<(nint Address, long Bytes), SafeCudaBufferHandle> _operands = [];

    private CudaGpuDevice(Device device, Context context, CudaAccelerator accelerator, CudaStream stream, SafeCudaStreamHandle nativeStream, string name)
        : base(device, context, accelerator, stream)
    {
        _nativeStream = nativeStream;
        _name = name;
    }

    /// <summary>
    /// Opens cuda:<paramref name="index"/>; <see cref="GpuUnavailableException"/> (one line) when the process has no
    /// JIT, libnativeinfer_cuda is missing, or there is no usable sm_80+ device.
    /// </summary>
    public static CudaGpuDevice Open(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var device = new Device(DeviceKind.Cuda, index);
        GpuDevices.RequireDynamicCode(device);
        var availability = NiCudaDevice.Availability;
        if (!availability.IsAvailable)
            throw new GpuUnavailableException(availability.RuntimeVersion == 0 ? GpuUnavailableReason.LibraryMissing : GpuUnavailableReason.NoDevice,
                $"{device}: {availability.Reason}");
        if (index >= availability.DeviceCount)
            throw new GpuUnavailableException(GpuUnavailableReason.NoDevice, $"{device}: there are {availability.DeviceCount} CUDA device(s)");
        NiCudaDevice info = NiCudaDevice.Get(index);
        if (!info.SupportsMarlin)
            throw new GpuUnavailableException(GpuUnavailableReason.NoDevice,
                $"{device}: {info.Name} has compute capability {info.ComputeCapability}; the GPU path needs 8.0 or newer");

        Context context = Context.Create(b => b.Cuda().EnableAlgorithms());
        CudaAccelerator? accelerator = null;
        CudaStream? stream = null;
        try
        {
            var devices = context.GetCudaDevices();
            if (index >= devices.Count)
                throw new GpuUnavailableException(GpuUnavailableReason.NoDevice, $"{device}: ILGPU sees {devices.Count} CUDA device(s)");
            accelerator = devices[index].CreateCudaAccelerator(context);
            // An explicit non-blocking stream: ILGPU's default stream is the legacy one, which would serialize
            // with every other stream of the context.
            stream = (CudaStream)accelerator.CreateStream(StreamFlags.CU_STREAM_NON_BLOCKING);
            SafeCudaStreamHandle nativeStream;
            using (accelerator.BindScoped())
                NiException.ThrowIfCudaFailed(CudaNativeMethods.StreamWrap(index, stream.StreamPtr, out nativeStream));
            return new CudaGpuDevice(device, context, accelerator, stream, nativeStream, info.ToString());
        }
        catch
        {
            stream?.Dispose();
            accelerator?.Dispose();
            context.Dispose();
            throw;
        }
    }

    public override string Description => $"{Device}: {_name} (ILGPU CUDA accelerator + libnativeinfer_cuda on one stream)";

    public override bool IsEmulated => false;

    public override MarlinWeights UploadMarlin(NiType type, ReadOnlySpan<byte> rows, long n, long k, long groupSize = 32)
    {
        (long wb, long sb) = NiMarlinLayout.PackedSize(n, k, groupSize);
        byte[] packedWeights = new byte[wb], packedScales = new byte[sb];
        NiMarlinLayout.Repack(type, rows, n, k, groupSize, packedWeights, packedScales);
        var w = Allocate<byte>(wb);
        var s = Allocate<byte>(sb);
        var workspace = Allocate<byte>(NiMarlinLayout.WorkspaceSize(n));  // zero, as the GEMM requires
        Upload<byte>(packedWeights, w.View);
        Upload<byte>(packedScales, s.View);
        SafeCudaBufferHandle hw = Wrap(w.View), hs = Wrap(s.View), hws = Wrap(workspace.View);
        return new MarlinWeights(n, k, groupSize, w, s, workspace, () => { hw.Dispose(); hs.Dispose(); hws.Dispose(); })
        {
            NativeWeights = hw, NativeScales = hs, NativeWorkspace = hws,
        };
    }

    public override void MarlinGemm(MarlinWeights weights, ArrayView<ushort> a, ArrayView<ushort> c, int m)
    {
        CheckGemm(weights, a, c, m);
        SafeCudaBufferHandle ha = Operand(a.Cast<byte>()), hc = Operand(c.Cast<byte>());
        using (Accelerator.BindScoped())
            NiException.ThrowIfCudaFailed(CudaNativeMethods.MarlinGemm(_nativeStream,
                hc, 0, (nuint)(weights.Rows * 2), ha, 0, (nuint)(weights.Columns * 2),
                weights.NativeWeights!, 0, weights.NativeScales!, 0, weights.NativeWorkspace!,
                m, weights.Rows, weights.Columns, weights.GroupSize));
    }

    protected override void Dispose(bool disposing)
    {
        using (Accelerator.BindScoped())
        {
            foreach (SafeCudaBufferHandle operand in _operands.Values) operand.Dispose();
            _operands.Clear();
            _nativeStream.Dispose();
        }
    }

    private SafeCudaBufferHandle Operand(ArrayView<byte> view)
    {
        var key = (view.LoadEffectiveAddressAsPtr(), view.Length);
        if (!_operands.TryGetValue(key, out SafeCudaBufferHandle? handle)) _operands[key] = handle = Wrap(view);
        return handle;
    }

    // A handle for ILGPU memory, checked by the library against CUDA's own view of the pointer.
    private SafeCudaBufferHandle Wrap(ArrayView<byte> view)
    {
        using (Accelerator.BindScoped())
        {
            NiException.ThrowIfCudaFailed(CudaNativeMethods.BufferWrap(Device.Index, view.LoadEffectiveAddressAsPtr(), (nuint)view.Length,
                out SafeCudaBufferHandle handle));
            return handle;
        }
    }
}
