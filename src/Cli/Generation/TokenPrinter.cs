using NativeInfer.Cli.CommandLine;
using NativeInfer.Generation;

namespace NativeInfer.Cli.Generation;

/// <summary>Writes a generation's text to stdout as it streams, then its statistics line to stderr.</summary>
internal static class TokenPrinter
{
    /// <summary>
    /// Streams <paramref name="stream"/> to <see cref="CliConsole.Out"/>. On cancellation (Ctrl+C) the text so far
    /// stays printed and the statistics still follow, then the cancellation propagates. Disposes the stream.
    /// </summary>
    public static void Print(GenerationStream stream, CliConsole console, bool statistics)
    {
        using (stream)
        try
        {
            foreach (GeneratedToken token in stream)
            {
                console.Out.Write(token.Text.Span);
                console.Out.Flush(); // a token at a time, also through a pipe
            }
        }
        finally
        {
            console.Out.WriteLine();
            console.Out.Flush();
            if (statistics) console.Error.WriteLine(GenerationReport.Format(stream));
        }
    }
}
