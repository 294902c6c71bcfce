namespace NativeInfer.Tests.Support;

/// <summary>
/// Where the repository, its native build and the shared reference data are. Tests that need
/// ../shared/testdata call <see cref="RequireTestData"/>, which marks them Ignored with the path it
/// looked at when the folder is absent (never a silent pass).
/// </summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string NativeBuildDir => Path.Combine(Root, "build", "native");

    public static string TestData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "testdata"));

    /// <summary>Full path of a file under ../shared/testdata, or Assert.Ignore naming what is missing.</summary>
    public static string RequireTestData(string relative)
    {
        string path = Path.Combine(TestData, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Ignore($"SKIPPED: reference data not found at {path} (../shared/testdata must sit beside the repository)");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NativeInfer.sln"))) return dir.FullName;
        throw new InvalidOperationException($"cannot find NativeInfer.sln above {AppContext.BaseDirectory}");
    }
}
