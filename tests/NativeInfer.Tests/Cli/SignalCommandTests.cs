using System.Diagnostics;
using NativeInfer.Tests.Formats;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM while `logits` or `make-tiny` write their output: the partial file is removed,
/// an existing output is left as it was, and the exit code is 130 / 143. The CLI runs as a child process with
/// NATIVEINFER_TEST_PAUSE=writing, which makes it stop right after it has started writing and say so on
/// stderr; the signal is sent then, so the test does not depend on timing.
/// </summary>
[NonParallelizable]
public class SignalCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("SKIPPED: POSIX signals as used here are Linux");
        _dir = Directory.CreateTempSubdirectory("ni-signal-").FullName;
    }

    [TearDown]
    public void DeleteDirectory()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    [TestCase("logits", "TERM", 143)]
    [TestCase("logits", "INT", 130)]
    [TestCase("make-tiny", "TERM", 143)]
    [TestCase("make-tiny", "INT", 130)]
    public void SignalWhileWriting_RemovesThePartialFile_KeepsTheOldOutput_ExitsWithTheSignalsCode(string command, string signal, int expectedCode)
    {
        string output = Path.Combine(_dir, command == "logits" ? "out.f32" : "out.gguf");
        File.WriteAllText(output, "the previous result");
        string[] args = command == "logits"
            ? ["logits", RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf"), "--tokens", "1,2,3,4", "--prefill", "1", "--out", output, "--threads", "1"]
            : ["make-tiny", output, "--random", "--layers", "2", "--threads", "1"];

        // Through `env --default-signal=INT` (which execs, keeping the pid): a test runner started as a background
        // job ignores SIGINT, a child inherits that, and a program rightly leaves an ignored SIGINT ignored. A user
        // at a terminal starts the command with the default disposition, which is what this test is about.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "NativeInfer.Cli.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["NATIVEINFER_TEST_PAUSE"] = "writing";
        using Process child = Process.Start(psi)!;
        try
        {
            Task<string> stdout = child.StandardOutput.ReadToEndAsync();
            Task<string?> paused = Task.Run(() =>
            {
                string? line;
                while ((line = child.StandardError.ReadLine()) is not null)
                    if (line.StartsWith("nativeinfer: test hook: paused while writing", StringComparison.Ordinal)) return line;
                return null;
            });
            Assert.That(paused.Wait(TimeSpan.FromMinutes(2)), "the command reached its writing pause");
            Assert.That(paused.Result, Is.Not.Null, "the command paused while writing (it ended before: see its output)");
            Assert.That(File.Exists(output + ".partial"), "the partial file exists while writing");

            OutputFileTests.Tool("kill", $"-{signal}", child.Id.ToString());
            Assert.That(child.WaitForExit(TimeSpan.FromMinutes(1)), "the command exited after the signal");
            string rest = child.StandardError.ReadToEnd();
            Assert.That(child.ExitCode, Is.EqualTo(expectedCode), rest);
            Assert.That(rest.TrimEnd(), Does.EndWith($"nativeinfer: interrupted by SIG{signal}; the partial output was removed"));
            Assert.That(File.Exists(output + ".partial"), Is.False, "the partial file is removed");
            Assert.That(File.ReadAllText(output), Is.EqualTo("the previous result"), "the existing output is untouched");
            Assert.That(stdout.Result, Does.Not.Contain("wrote").And.Not.Contain("positions"), "no success summary");
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
    }
}
