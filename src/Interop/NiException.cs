using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>
/// A native call failed. <see cref="Status"/> is the <c>ni_status</c>; the message is the native
/// library's <c>ni_last_error()</c> for the failing call (naming the function and the argument).
/// Subclasses let callers catch the kinds they can handle.
/// </summary>
public class NiException : Exception
{
    public NiException(NiStatus status, string nativeMessage)
        : base(string.IsNullOrEmpty(nativeMessage) ? $"native call failed with {status}" : nativeMessage)
    {
        Status = status;
        NativeMessage = nativeMessage;
    }

    public NiStatus Status { get; }

    /// <summary>The text of <c>ni_last_error()</c> captured right after the failure.</summary>
    public string NativeMessage { get; }

    /// <summary>Throws the exception type that matches <paramref name="status"/> unless it is Ok.</summary>
    public static void ThrowIfFailed(NiStatus status)
    {
        if (status != NiStatus.Ok) Throw(status);
    }

    /// <summary>
    /// The same for the <c>ni_cuda_</c> entry points of libnativeinfer_cuda, which report through their
    /// own <c>ni_cuda_last_error()</c>.
    /// </summary>
    public static void ThrowIfCudaFailed(NiStatus status)
    {
        if (status != NiStatus.Ok) ThrowCuda(status);
    }

    // Kept out of line so the success path of every wrapper stays small enough to inline.
    private static void Throw(NiStatus status) => throw Create(status, LastErrorMessage());

    private static void ThrowCuda(NiStatus status) => throw Create(status, CudaLastErrorMessage());

    /// <summary>This thread's <c>ni_cuda_last_error()</c>.</summary>
    public static unsafe string CudaLastErrorMessage() =>
        Marshal.PtrToStringUTF8((nint)CudaNativeMethods.LastError()) ?? string.Empty;

    private static NiException Create(NiStatus status, string message) =>
        status switch
        {
            NiStatus.InvalidArgument => new NiInvalidArgumentException(status, message),
            NiStatus.UnsupportedType => new NiUnsupportedTypeException(status, message),
            NiStatus.Shape => new NiShapeException(status, message),
            NiStatus.OutOfMemory => new NiOutOfMemoryException(status, message),
            NiStatus.UnsupportedIsa => new NiUnsupportedIsaException(status, message),
            NiStatus.Unavailable => new NiUnavailableException(status, message),
            NiStatus.System => new NiSystemException(status, message),
            _ => new NiException(status, message),
        };

    /// <summary>This thread's <c>ni_last_error()</c>.</summary>
    public static unsafe string LastErrorMessage() =>
        Marshal.PtrToStringUTF8((nint)NativeMethods.LastError()) ?? string.Empty;
}

/// <summary>A null pointer, non-positive size, bad stride, overlapping buffers or out-of-range id.</summary>
public sealed class NiInvalidArgumentException(NiStatus status, string message) : NiException(status, message);

/// <summary>A type id the entry point does not handle.</summary>
public sealed class NiUnsupportedTypeException(NiStatus status, string message) : NiException(status, message);

/// <summary>A size that is not a multiple of the type's block size.</summary>
public sealed class NiShapeException(NiStatus status, string message) : NiException(status, message);

/// <summary>A native allocation failed.</summary>
public sealed class NiOutOfMemoryException(NiStatus status, string message) : NiException(status, message);

/// <summary>An instruction set this CPU (or build) lacks, or a bad NATIVEINFER_ISA value.</summary>
public sealed class NiUnsupportedIsaException(NiStatus status, string message) : NiException(status, message);

/// <summary>A device, driver or optional library is missing (the CUDA entry points without a usable GPU).</summary>
public sealed class NiUnavailableException(NiStatus status, string message) : NiException(status, message);

/// <summary>The operating system refused a request (a lock over RLIMIT_MEMLOCK, a failed madvise); the message names the call and its error.</summary>
public sealed class NiSystemException(NiStatus status, string message) : NiException(status, message);
