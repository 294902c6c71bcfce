namespace NativeInfer.Cli.Generation;

/// <summary>Where the CLI keeps the demo model it writes, and where the shipped rule files are.</summary>
internal static class DemoFiles
{
    /// <summary>
    /// $NATIVEINFER_CACHE, else $XDG_CACHE_HOME/nativeinfer, else ~/.cache/nativeinfer (the temp folder when
    /// there is no home): the demo model is written there once and reused.
    /// </summary>
    public static string CacheDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("NATIVEINFER_CACHE") is { Length: > 0 } explicitDir) return explicitDir;
            if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "nativeinfer");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return home.Length > 0 ? Path.Combine(home, ".cache", "nativeinfer") : Path.Combine(Path.GetTempPath(), "nativeinfer");
        }
    }

    /// <summary>A rule file shipped beside the command (copied from the repository's rules/ folder at build).</summary>
    public static string ShippedRules(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "rules", fileName);
        return File.Exists(path) ? path : throw new FileNotFoundException($"shipped rule file not found: {path} (rebuild src/Cli; it copies rules/*.yaml)", path);
    }
}
