using System.Diagnostics;
using System.Text.Json;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Native;

/// <summary>
/// Runs each native ctest executable (native/tests) as one NUnit case, so `dotnet test` covers the
/// C/C++ suite too. The native build itself happens in the Interop project's build (CMake).
/// A ctest skip (exit 77, e.g. missing ../shared) becomes an Ignored case with the executable's output.
/// </summary>
[TestFixture]
[NonParallelizable]
public class NativeCTestSuite
{
    public static IEnumerable<string> TestNames()
    {
        var (code, output) = RunCTest("--show-only=json-v1");
        if (code != 0) return ["<ctest could not list the native tests>"];
        using JsonDocument doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("tests").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();
    }

    [TestCaseSource(nameof(TestNames))]
    public void NativeTest_Passes(string name)
    {
        var (code, output) = RunCTest("--output-on-failure", "--verbose", "-R", $"^{name}$");
        TestContext.Out.WriteLine(output);
        Assert.That(code, Is.EqualTo(0), $"ctest {name} failed:\n{output}");
        if (output.Contains("***Skipped", StringComparison.Ordinal) || output.Contains("SKIP:", StringComparison.Ordinal))
            Assert.Ignore($"native test {name} skipped itself:\n{output}");
    }

    private static (int Code, string Output) RunCTest(params string[] args)
    {
        var psi = new ProcessStartInfo("ctest") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--test-dir");
        psi.ArgumentList.Add(RepoPaths.NativeBuildDir);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
