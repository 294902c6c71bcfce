namespace NativeInfer.Cli.CommandLine;

/// <summary>
/// The streams a command talks to: results on <see cref="Out"/>, status and statistics on <see cref="Error"/>
/// (so `nativeinfer generate … > out.txt` keeps only the text), <see cref="In"/> for interactive commands.
/// Tests pass string readers and writers.
/// </summary>
/// <param name="Interactive">A person is typing at a terminal (prompts and the progress line are shown).</param>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>The process's console.</summary>
    public static CliConsole Process() =>
        new(Console.In, Console.Out, Console.Error, Interactive: !Console.IsInputRedirected && !Console.IsErrorRedirected);
}
