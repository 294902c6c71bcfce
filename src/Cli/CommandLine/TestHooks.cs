namespace NativeInfer.Cli.CommandLine;

/// <summary>
/// A pause for tests that must act at a precise point of a command (send a signal while it writes its
/// output): with NATIVEINFER_TEST_PAUSE=writing, <see cref="PauseWhileWriting"/> says so on stderr and waits
/// until <paramref name="resume"/> is cancelled (at most a minute). Without the variable it does nothing.
/// </summary>
internal static class TestHooks
{
    public const string Variable = "NATIVEINFER_TEST_PAUSE";

    public static void PauseWhileWriting(string what, TextWriter error, CancellationToken resume)
    {
        if (Environment.GetEnvironmentVariable(Variable) != "writing") return;
        error.WriteLine($"nativeinfer: test hook: paused while writing {what}");
        error.Flush();
        resume.WaitHandle.WaitOne(TimeSpan.FromMinutes(1));
    }
}
