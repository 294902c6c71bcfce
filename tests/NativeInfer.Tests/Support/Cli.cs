using NativeInfer.Cli;

namespace NativeInfer.Tests.Support;

/// <summary>Runs the `nativeinfer` command in process and captures what it printed.</summary>
public static class Cli
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
