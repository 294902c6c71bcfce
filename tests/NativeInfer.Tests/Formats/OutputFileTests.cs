using System.Diagnostics;
using System.Net.Sockets;
using NativeInfer.Formats;

namespace NativeInfer.Tests.Formats;

/// <summary>
/// Writing outputs without destroying anything: inputs (by any path) and non-files are refused, regular
/// files go through PATH.partial, devices and FIFOs are written in place. File kinds and inode numbers
/// are compared with coreutils' <c>stat</c>, an independent reader of the same facts.
/// </summary>
[NonParallelizable]
public class OutputFileTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("SKIPPED: FIFOs, sockets and /dev/null as used here are Linux");
        _dir = Directory.CreateTempSubdirectory("ni-output-").FullName;
    }

    [TearDown]
    public void DeleteDirectory()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Runs a tool and returns its stdout (trimmed); fails the test on a non-zero exit.</summary>
    internal static string Tool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, $"{file} {string.Join(' ', args)}: {error}");
        return output.Trim();
    }

    internal static void MakeFifo(string path) => Tool("mkfifo", path);

    private static Socket BindSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    [Test]
    public void Stat_KindAndInode_MatchCoreutilsStat()
    {
        File.WriteAllText(P("file"), "x");
        Directory.CreateDirectory(P("dir"));
        MakeFifo(P("fifo"));
        File.CreateSymbolicLink(P("link"), P("file"));
        using Socket socket = BindSocket(P("sock"));
        var expected = new Dictionary<string, FileNodeKind>
        {
            ["regular file"] = FileNodeKind.Regular, ["regular empty file"] = FileNodeKind.Regular, ["directory"] = FileNodeKind.Directory,
            ["fifo"] = FileNodeKind.Fifo, ["character special file"] = FileNodeKind.CharacterDevice, ["socket"] = FileNodeKind.Socket,
        };
        foreach (string path in new[] { P("file"), P("dir"), P("fifo"), P("link"), P("sock"), "/dev/null" })
        {
            string[] stat = Tool("stat", "-L", "-c", "%i|%F", path).Split('|');
            FileNode node = FileNode.Stat(path)!;
            Assert.That(node.Inode, Is.EqualTo(ulong.Parse(stat[0])), path);
            Assert.That(node.Kind, Is.EqualTo(expected[stat[1]]), path);
        }
        Assert.That(FileNode.Stat(P("missing")), Is.Null);
        Assert.That(FileNode.Stat(P("link"))!.IsSameFileAs(FileNode.Stat(P("file"))!));
    }

    [Test]
    public void RegularFile_GoesThroughPartial_OnlyCommitReplacesTheTarget()
    {
        File.WriteAllText(P("out"), "old");
        using (OutputFile o = OutputFile.Create(P("out")))
        {
            o.Stream.Write("new"u8);
            o.Stream.Flush();
            Assert.That(new FileInfo(P("out.partial")).Length, Is.EqualTo(3), "written beside the target");
            Assert.That(File.ReadAllText(P("out")), Is.EqualTo("old"));
        }
        Assert.That(File.ReadAllText(P("out")), Is.EqualTo("old"), "no commit: the target is untouched");
        Assert.That(File.Exists(P("out.partial")), Is.False, "and the partial file is gone");

        using (OutputFile o = OutputFile.Create(P("out")))
        {
            o.Stream.Write("new"u8);
            o.Commit();
        }
        Assert.That(File.ReadAllText(P("out")), Is.EqualTo("new"));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void SymlinkedTarget_IsWrittenThroughAndTheLinkKept()
    {
        File.WriteAllText(P("real"), "old");
        File.CreateSymbolicLink(P("link"), P("real"));
        using (OutputFile o = OutputFile.Create(P("link")))
        {
            o.Stream.Write("new"u8);
            o.Commit();
        }
        Assert.That(File.ReadAllText(P("real")), Is.EqualTo("new"));
        Assert.That(new FileInfo(P("link")).LinkTarget, Is.EqualTo(P("real")));
    }

    [Test]
    public void TheInput_BySamePathSymlinkOrHardLink_IsRefused_AndLeftIntact()
    {
        File.WriteAllText(P("model.gguf"), "weights");
        File.CreateSymbolicLink(P("sym.gguf"), P("model.gguf"));
        Tool("ln", P("model.gguf"), P("hard.gguf"));
        foreach (string output in new[] { P("model.gguf"), P("sym.gguf"), P("hard.gguf"), Path.Combine(_dir, ".", "model.gguf") })
        {
            var e = Assert.Throws<IOException>(() => OutputFile.Create(output, [P("model.gguf")]))!;
            Assert.That(e.Message, Is.EqualTo($"cannot write {output}: it is the input file {P("model.gguf")} (by its device and inode); write to another path"));
            Assert.Throws<IOException>(() => OutputFile.Validate(output, [P("model.gguf")]));
        }
        Assert.That(File.ReadAllText(P("model.gguf")), Is.EqualTo("weights"));
        Assert.That(Directory.GetFiles(_dir).Where(f => f.EndsWith(".partial", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public void DirectoryAndSocket_AreRefused()
    {
        Directory.CreateDirectory(P("dir"));
        Assert.That(Assert.Throws<IOException>(() => OutputFile.Create(P("dir")))!.Message, Is.EqualTo($"cannot write {P("dir")}: it is a directory"));
        using Socket socket = BindSocket(P("sock"));
        Assert.That(Assert.Throws<IOException>(() => OutputFile.Create(P("sock")))!.Message,
                    Is.EqualTo($"cannot write {P("sock")}: it exists and is a socket; an output must be a regular file, a character device or a FIFO"));
        Assert.That(Tool("stat", "-c", "%F", P("sock")), Is.EqualTo("socket"));
    }

    [Test]
    public void CharacterDevice_IsWrittenInPlace_NeverReplaced()
    {
        using (OutputFile o = OutputFile.Create("/dev/null"))
        {
            Assert.That(o.IsDirect);
            o.Stream.Write(new byte[100_000]);
            o.Commit();
        }
        Assert.That(Tool("stat", "-c", "%F", "/dev/null"), Is.EqualTo("character special file"));
        Assert.That(File.Exists("/dev/null.partial"), Is.False);
    }

    [Test]
    public void Fifo_IsWrittenInPlace_TheReaderGetsEveryByte()
    {
        MakeFifo(P("fifo"));
        Task<byte[]> reader = Task.Run(() => File.ReadAllBytes(P("fifo")));
        byte[] data = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        using (OutputFile o = OutputFile.Create(P("fifo")))
        {
            o.Stream.Write(data);
            o.Commit();
        }
        Assert.That(reader.Wait(TimeSpan.FromMinutes(1)), "the reader finished");
        Assert.That(reader.Result, Is.EqualTo(data));
        Assert.That(Tool("stat", "-c", "%F", P("fifo")), Is.EqualTo("fifo"));
        Assert.That(Directory.GetFiles(_dir), Is.EquivalentTo(new[] { P("fifo") }));
    }

    [Test]
    public void PlantedPartialSymlink_IsRemoved_NotFollowed()
    {
        File.WriteAllText(P("victim"), "precious");
        File.CreateSymbolicLink(P("out.partial"), P("victim"));
        using (OutputFile o = OutputFile.Create(P("out")))
        {
            o.Stream.Write("result"u8);
            o.Commit();
        }
        Assert.That(File.ReadAllText(P("victim")), Is.EqualTo("precious"));
        Assert.That(File.ReadAllText(P("out")), Is.EqualTo("result"));
    }

    [Test]
    public void ModelThatIsAFifo_IsRefusedBeforeOpening()
    {
        MakeFifo(P("model.gguf"));
        // Opening a FIFO without a writer blocks; the refusal must come first (guarded so a regression fails, not hangs).
        Task<Exception?> open = Task.Run(() => Catch(() => NativeInfer.Gguf.GgufFile.Open(P("model.gguf")).Dispose()));
        Assert.That(open.Wait(TimeSpan.FromMinutes(1)), "GgufFile.Open returned instead of blocking on the FIFO");
        Assert.That(open.Result, Is.TypeOf<IOException>());
        Assert.That(open.Result!.Message, Is.EqualTo($"{P("model.gguf")} is a FIFO (named pipe), not a regular file: model files and checkpoints are memory-mapped"));
    }

    private static Exception? Catch(Action a)
    {
        try
        {
            a();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
