using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeInfer.Interop;

/// <summary>
/// Finds libnativeinfer and libnativeinfer_cuda for the [LibraryImport]s of this assembly, each with the
/// same search order:
/// <list type="number">
///   <item>NATIVEINFER_LIBRARY_PATH (a folder holding the libraries, or a file: that file for the library it
///   names, its folder for the other one);</item>
///   <item>next to this assembly, then the application base folder;</item>
///   <item>runtimes/&lt;rid&gt;/native under both;</item>
///   <item>the CMake build folder this assembly was built against (a development checkout).</item>
/// </list>
/// When every candidate fails, the exception lists each path and why it was rejected (in its Details, not its message).
/// </summary>
public static class NativeLibraryResolver
{
    public const string PathVariable = "NATIVEINFER_LIBRARY_PATH";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, nint> Loaded = new(StringComparer.Ordinal);

    // A module initializer (rather than a static constructor somewhere) guarantees the resolver is
    // in place before the first [LibraryImport] of this assembly runs, whoever calls it first.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    /// <summary>The platform file name of a library ("nativeinfer" → "libnativeinfer.so" on Linux).</summary>
    public static string FileName(string library) =>
        OperatingSystem.IsWindows() ? library + ".dll"
        : OperatingSystem.IsMacOS() ? "lib" + library + ".dylib"
        : "lib" + library + ".so";

    /// <summary>Every path the resolver would try for <paramref name="library"/>, in order.</summary>
    public static IReadOnlyList<string> CandidatePaths(string library)
    {
        string file = FileName(library);
        var candidates = new List<string>();
        string? overridePath = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            if (Directory.Exists(overridePath)) candidates.Add(Path.Combine(overridePath, file));
            else if (Path.GetFileName(overridePath) == file || library == NativeMethods.LibraryName) candidates.Add(overridePath);
            else candidates.Add(Path.Combine(Path.GetDirectoryName(overridePath) ?? ".", file));
        }

        string rid = RuntimeInformation.RuntimeIdentifier;
        string portableRid = (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
                             RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var folders = new List<string>();
        // Location is empty in single-file apps; AppContext.BaseDirectory below covers that case.
#pragma warning disable IL3000
        string? assemblyDir = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location);
#pragma warning restore IL3000
        if (!string.IsNullOrEmpty(assemblyDir)) folders.Add(assemblyDir);
        folders.Add(AppContext.BaseDirectory);
        foreach (string folder in folders.Distinct(StringComparer.Ordinal).ToList())
        {
            candidates.Add(Path.Combine(folder, file));
            foreach (string r in new[] { rid, portableRid }.Distinct(StringComparer.Ordinal))
                candidates.Add(Path.Combine(folder, "runtimes", r, "native", file));
        }

        string? buildDir = typeof(NativeLibraryResolver).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NativeInferBuildDir")?.Value;
        if (!string.IsNullOrEmpty(buildDir)) candidates.Add(Path.Combine(buildDir, file));
        return candidates.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Loads <paramref name="library"/> (cached) or throws <see cref="NativeLibraryNotFoundException"/>.</summary>
    public static nint Load(string library)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(library, out nint cached)) return cached;
            var attempts = new List<string>();
            foreach (string path in CandidatePaths(library))
            {
                if (!File.Exists(path))
                {
                    attempts.Add($"{path}: not found");
                    continue;
                }
                try
                {
                    nint handle = NativeLibrary.Load(path);
                    Loaded[library] = handle;
                    LoadedPaths[library] = path;
                    return handle;
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    attempts.Add($"{path}: {e.Message}");
                }
            }
            throw new NativeLibraryNotFoundException(library, attempts);
        }
    }

    private static readonly Dictionary<string, string> LoadedPaths = new(StringComparer.Ordinal);

    /// <summary>Where libnativeinfer was loaded from, once it has been.</summary>
    public static string? LoadedPath => LoadedPathOf(NativeMethods.LibraryName);

    /// <summary>Where <paramref name="library"/> was loaded from, once it has been.</summary>
    public static string? LoadedPathOf(string library)
    {
        lock (Gate) return LoadedPaths.GetValueOrDefault(library);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName is NativeMethods.LibraryName or CudaNativeMethods.LibraryName ? Load(libraryName) : nint.Zero;
}

/// <summary>
/// The native library could not be loaded. The message is one line (it ends up inside other one-line errors);
/// <see cref="Attempts"/> and <see cref="Details"/> say where it was looked for and why each place failed.
/// </summary>
public sealed class NativeLibraryNotFoundException(string library, IReadOnlyList<string> attempts)
    : DllNotFoundException(
        $"Could not load the native library '{library}' ({attempts.Count} places tried; the exception's Details, or the CLI's --verbose, list them). " +
        $"Build it with `cmake -S . -B build/native && cmake --build build/native` (dotnet build does this), or point {NativeLibraryResolver.PathVariable} at it." +
        (library == CudaNativeMethods.LibraryName
            ? " libnativeinfer_cuda is built only when CMake finds a CUDA toolkit (nvcc); see docs/cuda.md."
            : ""))
{
    /// <summary>Each path tried, with why it failed ("…/libnativeinfer_cuda.so: not found").</summary>
    public IReadOnlyList<string> Attempts { get; } = attempts;

    /// <summary>The attempts as lines, for a verbose report.</summary>
    public string Details => "tried:" + string.Concat(Attempts.Select(a => Environment.NewLine + "  " + a));
}
