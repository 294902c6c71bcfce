using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>Owns an <c>ni_cuda_buffer*</c> (device memory); releasing it frees the memory.</summary>
public sealed class SafeCudaBufferHandle : SafeHandle
{
    public SafeCudaBufferHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => CudaNativeMethods.Free(handle) == NiStatus.Ok;
}
