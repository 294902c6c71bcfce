using NativeInfer.Interop;

namespace NativeInfer.Tests.Interop;

public class LibraryResolverTests
{
    [Test]
    public void Load_MissingLibrary_OneLineMessage_DetailsListEveryPathTried()
    {
        var e = Assert.Throws<NativeLibraryNotFoundException>(() => NativeLibraryResolver.Load("nativeinfer_does_not_exist"))!;
        IReadOnlyList<string> candidates = NativeLibraryResolver.CandidatePaths("nativeinfer_does_not_exist");
        Assert.That(e.Attempts, Has.Count.EqualTo(candidates.Count));
        foreach (string path in candidates)
        {
            Assert.That(e.Details, Does.Contain(path + ": not found"));
            Assert.That(e.Message, Does.Not.Contain(path));
        }
        Assert.That(e.Message, Does.Not.Contain('\n'), "one line: it ends up inside other one-line errors");
        Assert.That(e.Message, Does.Contain($"{candidates.Count} places tried").And.Contain(NativeLibraryResolver.PathVariable));
    }

    [Test]
    public void CandidatePaths_SearchAssemblyFolderThenRuntimesThenBuildFolder()
    {
        IReadOnlyList<string> paths = NativeLibraryResolver.CandidatePaths(NativeMethods.LibraryName);
        string file = NativeLibraryResolver.FileName(NativeMethods.LibraryName);
        int direct = paths.ToList().FindIndex(p => p == Path.Combine(Path.GetDirectoryName(typeof(NativeMethods).Assembly.Location)!, file));
        int runtimes = paths.ToList().FindIndex(p => p.Contains(Path.Combine("runtimes", "linux-x64", "native")));
        int build = paths.ToList().FindIndex(p => p.Contains(Path.Combine("build", "native")));
        Assert.That(direct, Is.GreaterThanOrEqualTo(0));
        Assert.That(runtimes, Is.GreaterThan(direct));
        Assert.That(build, Is.GreaterThan(runtimes));
    }

    [Test, NonParallelizable]
    public void CandidatePaths_EnvironmentOverrideComesFirst()
    {
        string? before = Environment.GetEnvironmentVariable(NativeLibraryResolver.PathVariable);
        try
        {
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, "/opt/custom/libnativeinfer.so");
            Assert.That(NativeLibraryResolver.CandidatePaths(NativeMethods.LibraryName)[0], Is.EqualTo("/opt/custom/libnativeinfer.so"));
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, Path.GetTempPath());
            Assert.That(NativeLibraryResolver.CandidatePaths(NativeMethods.LibraryName)[0],
                Is.EqualTo(Path.Combine(Path.GetTempPath(), "libnativeinfer.so")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(NativeLibraryResolver.PathVariable, before);
        }
    }

    [Test]
    public void LoadedLibrary_IsTheOneCopiedIntoTheRuntimesLayout()
    {
        _ = NativeMethods.GetAbiVersion();
        Assert.That(NativeLibraryResolver.LoadedPath, Is.Not.Null);
        Assert.That(File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libnativeinfer.so")),
            "the build copies libnativeinfer.so next to the managed assemblies");
    }
}
