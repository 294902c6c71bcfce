using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>Owns an <c>ni_pool*</c>; releasing it joins the pool's worker threads.</summary>
public sealed class SafePoolHandle : SafeHandle
{
    public SafePoolHandle() : base(nint.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => NativeMethods.PoolDestroy(handle) == NiStatus.Ok;
}
