namespace NativeInfer.Formats;

/// <summary>
/// A file the product writes (logits, a quantized or synthetic model), written so that nothing is
/// destroyed: a regular file (or a new one) is written to "PATH.partial" beside it and renamed over PATH
/// only by <see cref="Commit"/> — a failed or cancelled run leaves PATH as it was and no partial file —
/// while a character device or FIFO (<c>/dev/null</c>, a pipe) is opened and written in place, never
/// replaced by a regular file. Refused up front: a path that is one of the inputs (the same device and
/// inode, through symlinks and hard links), a directory, and anything else that is not a regular file.
/// A symlinked PATH is written through to its final target.
/// </summary>
public sealed class OutputFile : IDisposable
{
    private readonly string? _partial;
    private readonly string _target;
    private readonly FileStream _stream;
    private bool _committed, _disposed;

    private OutputFile(string target, string? partial, FileStream stream)
    {
        _target = target;
        _partial = partial;
        _stream = stream;
    }

    /// <summary>Where the bytes go: the partial file, or the device / FIFO itself.</summary>
    public Stream Stream => _stream;

    /// <summary>The file that holds the result after <see cref="Commit"/> (symlinks resolved).</summary>
    public string TargetPath => _target;

    /// <summary>Written in place (a character device or FIFO) rather than through a partial file.</summary>
    public bool IsDirect => _partial is null;

    /// <summary>
    /// Checks <paramref name="path"/> as <see cref="Create"/> would and, for a regular target, that its
    /// partial file can be created (then removes it) — without opening a device or FIFO, which could block.
    /// Throws <see cref="IOException"/> naming the path and the reason.
    /// </summary>
    public static void Validate(string path, IEnumerable<string>? inputs = null, string? name = null)
    {
        name ??= path;
        (string target, FileNode? node) = Check(path, inputs, name);
        if (node is { Kind: FileNodeKind.CharacterDevice or FileNodeKind.Fifo }) return;
        OpenPartial(name, target + ".partial").Dispose();
        File.Delete(target + ".partial");
    }

    /// <summary>
    /// Opens the output; throws <see cref="IOException"/> naming it (<paramref name="name"/>, default the path:
    /// "cannot write NAME: …") when it must not or cannot be written.
    /// </summary>
    public static OutputFile Create(string path, IEnumerable<string>? inputs = null, int bufferSize = 1 << 16, string? name = null)
    {
        name ??= path;
        (string target, FileNode? node) = Check(path, inputs, name);
        if (node is { Kind: FileNodeKind.CharacterDevice or FileNodeKind.Fifo })
        {
            try
            {
                return new OutputFile(target, null, new FileStream(target, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot write {name}: {e.Message}", e);
            }
        }
        string partial = target + ".partial";
        return new OutputFile(target, partial, OpenPartial(name, partial, bufferSize));
    }

    /// <summary>Flushes and, for a regular target, renames the partial file over it.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Flush();
        _stream.Dispose();
        if (_partial is not null) File.Move(_partial, _target, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the output; without <see cref="Commit"/> the partial file is deleted and the target left as it was.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stream.Dispose();
        if (!_committed && _partial is not null) File.Delete(_partial);
    }

    private static (string Target, FileNode? Node) Check(string path, IEnumerable<string>? inputs, string name)
    {
        string full = Path.GetFullPath(path);
        FileNode? node = FileNode.Stat(full);
        if (node is null) return (full, null);
        if (node.Kind == FileNodeKind.Directory) throw new IOException($"cannot write {name}: it is a directory");
        foreach (string input in inputs ?? [])
            if (FileNode.Stat(input) is { } source && source.IsSameFileAs(node))
                throw new IOException($"cannot write {name}: it is the input file {input} (by its device and inode); write to another path");
        if (node.Kind is not (FileNodeKind.Regular or FileNodeKind.CharacterDevice or FileNodeKind.Fifo))
            throw new IOException($"cannot write {name}: it exists and is {node.Description}; an output must be a regular file, a character device or a FIFO");
        // Through a symlink to its final target, so the link survives the rename.
        string target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        return (target, node);
    }

    /// <summary>
    /// Creates PATH.partial exclusively: a stale one is removed first (a symlink there is removed, not
    /// followed), so writing can never truncate whatever a planted link points to.
    /// </summary>
    private static FileStream OpenPartial(string name, string partial, int bufferSize = 1)
    {
        try
        {
            if (FileNode.Stat(partial) is { Kind: FileNodeKind.Directory })
                throw new IOException($"{partial} is a directory");
            File.Delete(partial);
            return new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {name}: {e.Message}", e);
        }
    }
}
