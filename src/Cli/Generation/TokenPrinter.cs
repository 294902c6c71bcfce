using NativeInfer.Cli.CommandLine;
using NativeInfer.Generation;

namespace NativeInfer.Cli.Generation;

/// <summary>Writes a generation's text to stdout as it streams, then its statistics line to stderr.</summary>
internal static class TokenPrinter
{
    /// <summary>
    /// Streams <paramref name="stream"/> to <see cref="CliConsole.Out"/>, then the statistics line. On cancellation
    /// (Ctrl+C) the text so far stays printed and the statistics still follow, then the cancellation propagates;
    /// on an error only the error is reported (by the caller), no statistics. Disposes the stream.
    /// </summary>
    public static void Print(GenerationStream stream, CliConsole console, bool statistics)
    {
        using (stream)
        {
            bool report = false;
            try
            {
                foreach (GeneratedToken token in stream)
                {
                    console.Out.Write(token.Text.Span);
                    console.Out.Flush(); // a token at a time, also through a pipe
                }
                report = true;
            }
            catch (OperationCanceledException)
            {
                report = true;
                throw;
            }
            finally
            {
                console.Out.WriteLine();
                console.Out.Flush();
                if (report && statistics) console.Error.WriteLine(GenerationReport.Format(stream));
            }
        }
    }
}
