using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>Owns an <c>ni_cuda_buffer*</c>; releasing it frees the device memory (a wrapped buffer: the handle only).</summary>
public sealed class SafeCudaBufferHandle : SafeHandle
{
    public SafeCudaBufferHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => CudaNativeMethods.Free(handle) == NiStatus.Ok;
}
