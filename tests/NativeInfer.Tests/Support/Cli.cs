using NativeInfer.Cli;

namespace NativeInfer.Tests.Support;

/// <summary>Runs the `nativeinfer` command in process and captures what it printed.</summary>
public static class Cli
{
    public static (int Code, string Out, string Err) Run(params string[] args) => RunWithInput(null, args);

    /// <summary>Runs with <paramref name="input"/> as stdin (redirected: not interactive).</summary>
    public static (int Code, string Out, string Err) RunWithInput(string? input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error, input is null ? null : new StringReader(input));
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A failure as the CLI promises it: the exit code, one line on stderr starting "nativeinfer: ", naming the problem.</summary>
    public static void AssertOneLineError((int Code, string Out, string Err) run, int expectedCode, string contains)
    {
        Assert.That(run.Code, Is.EqualTo(expectedCode), run.Err);
        Assert.That(run.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), run.Err);
        Assert.That(run.Err, Does.StartWith("nativeinfer: ").And.Contain(contains));
    }
}
