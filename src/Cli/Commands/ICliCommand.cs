using NativeInfer.Cli.CommandLine;

namespace NativeInfer.Cli.Commands;

/// <summary>A `nativeinfer` subcommand.</summary>
public interface ICliCommand
{
    string Name { get; }

    /// <summary>One line for `nativeinfer help`.</summary>
    string Summary { get; }

    /// <summary>Usage line(s) shown with --help.</summary>
    string Usage { get; }

    /// <summary>Options of this command that take no value (--verbose and --help always are).</summary>
    IReadOnlyList<string> Switches => [];

    /// <summary>Runs the command; returns the exit code. Output goes to <paramref name="output"/>.</summary>
    int Run(CliArguments args, TextWriter output);

    /// <summary>Runs the command with the whole console (commands that read input or report on stderr override this).</summary>
    int Run(CliArguments args, CliConsole console) => Run(args, console.Out);
}
