using System.Runtime.InteropServices;
using System.Text;
using NativeInfer.Interop;

namespace NativeInfer.Formats;

/// <summary>What kind of file system object a path names.</summary>
public enum FileNodeKind
{
    Regular,
    Directory,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
    Other,
}

/// <summary>
/// A path's file type and identity (device and inode) after following symlinks, from Linux's statx —
/// what .NET does not expose. Two paths name the same file when their identities are equal, whichever
/// symlinks or hard links lead there. Where statx is unavailable (not Linux) the identity is the path
/// with its symlinks resolved and the kind is Regular or Directory.
/// </summary>
public sealed record FileNode(FileNodeKind Kind, ulong Device, ulong Inode, string ResolvedPath)
{
    private static bool _statxMissing;

    /// <summary>The node <paramref name="path"/> names (following symlinks), or null when nothing is there.</summary>
    public static unsafe FileNode? Stat(string path)
    {
        string full = Path.GetFullPath(path);
        if (!_statxMissing && OperatingSystem.IsLinux())
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(full + "\0");
            StatxBuffer buffer;
            int result;
            try
            {
                fixed (byte* p = utf8)
                    result = LibcNativeMethods.Statx(LibcNativeMethods.AtFdCwd, p, 0, LibcNativeMethods.StatxTypeAndInode, &buffer);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                _statxMissing = true;
                return Fallback(full);
            }
            if (result != 0)
            {
                // ENOENT, ENOTDIR (a missing path) and anything else: no node the caller can use; opening it
                // reports the real reason.
                _ = Marshal.GetLastPInvokeError();
                return null;
            }
            ulong device = ((ulong)buffer.DevMajor << 32) | buffer.DevMinor;
            return new FileNode(KindOf(buffer.Mode), device, buffer.Inode, full);
        }
        return Fallback(full);
    }

    /// <summary>The same file (device and inode, or the resolved path where statx is missing).</summary>
    public bool IsSameFileAs(FileNode other) =>
        Inode != 0 && other.Inode != 0 ? Device == other.Device && Inode == other.Inode
                                       : string.Equals(ResolvedPath, other.ResolvedPath, StringComparison.Ordinal);

    /// <summary>"a FIFO", "a directory", … for messages.</summary>
    public string Description => Kind switch
    {
        FileNodeKind.Regular => "a regular file",
        FileNodeKind.Directory => "a directory",
        FileNodeKind.CharacterDevice => "a character device",
        FileNodeKind.BlockDevice => "a block device",
        FileNodeKind.Fifo => "a FIFO (named pipe)",
        FileNodeKind.Socket => "a socket",
        _ => "not a regular file",
    };

    /// <summary>
    /// Throws <see cref="IOException"/> when <paramref name="path"/> exists and is not a regular file, saying
    /// <paramref name="why"/> it must be one (a model is memory-mapped; opening a FIFO would block until
    /// something writes to it).
    /// </summary>
    public static void RequireRegular(string path, string why)
    {
        if (Stat(path) is { Kind: not FileNodeKind.Regular } node)
            throw new IOException($"{path} is {node.Description}, not a regular file: {why}");
    }

    private static FileNodeKind KindOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileNodeKind.Regular,
        0x4000 => FileNodeKind.Directory,
        0x2000 => FileNodeKind.CharacterDevice,
        0x6000 => FileNodeKind.BlockDevice,
        0x1000 => FileNodeKind.Fifo,
        0xC000 => FileNodeKind.Socket,
        _ => FileNodeKind.Other,
    };

    private static FileNode? Fallback(string full)
    {
        if (Directory.Exists(full)) return new FileNode(FileNodeKind.Directory, 0, 0, Resolve(full));
        return File.Exists(full) ? new FileNode(FileNodeKind.Regular, 0, 0, Resolve(full)) : null;
    }

    private static string Resolve(string full)
    {
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }
}
