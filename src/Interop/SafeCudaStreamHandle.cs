using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>Owns an <c>ni_cuda_stream*</c>; releasing it waits for the stream's work and destroys it (a wrapped stream: the handle only).</summary>
public sealed class SafeCudaStreamHandle : SafeHandle
{
    public SafeCudaStreamHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => CudaNativeMethods.StreamDestroy(handle) == NiStatus.Ok;
}
