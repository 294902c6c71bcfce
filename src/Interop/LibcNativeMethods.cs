using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>
/// The few libc calls .NET does not surface: <c>statx</c> for a file's type and identity (device and
/// inode), so an output that is an input (through a symlink or hard link) or a model path that is a FIFO
/// can be told apart before it is opened. <c>struct statx</c> has one layout on every Linux architecture
/// (unlike <c>struct stat</c>); glibc has exported <c>statx</c> since 2.28. Elsewhere the call is missing
/// and callers fall back to path comparison.
/// </summary>
internal static unsafe partial class LibcNativeMethods
{
    private const string Libc = "libc";

    /// <summary>dirfd meaning "relative to the working directory".</summary>
    public const int AtFdCwd = -100;

    /// <summary>Do not follow a final symlink.</summary>
    public const int AtSymlinkNoFollow = 0x100;

    /// <summary>stx_mode (file type and permissions) and stx_ino; the device numbers are always filled.</summary>
    public const uint StatxTypeAndInode = 0x0001 | 0x0002 | 0x0100;

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);
}

/// <summary>The leading fields of Linux's <c>struct statx</c> (256 bytes in all); the rest is padding here.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    [FieldOffset(0)] public uint Mask;
    [FieldOffset(28)] public ushort Mode;
    [FieldOffset(32)] public ulong Inode;
    [FieldOffset(136)] public uint DevMajor;
    [FieldOffset(140)] public uint DevMinor;
}
