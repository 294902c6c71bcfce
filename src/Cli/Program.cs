using NativeInfer.Cli.CommandLine;
using NativeInfer.Cli.Commands;
using NativeInfer.Cuda;
using NativeInfer.Diagnostics;
using NativeInfer.Interop;

namespace NativeInfer.Cli;

/// <summary>Entry point: picks the command, turns every failure into one line and an exit code.</summary>
public static class Program
{
    /// <summary>Every command; the first is what runs without arguments.</summary>
    internal static IReadOnlyList<ICliCommand> Commands { get; } =
    [
        new DemoCommand(),
        new SelfCheckCommand(),
        new KernelsCommand(),
        new CpuCommand(),
        new QuantizeCommand(),
        new CheckCommand(),
        new TokenizeCommand(),
        new RulesCommand(),
        new LogitsCommand(),
        new GenerateCommand(),
        new ChatCommand(),
        new BenchCommand(),
        new MakeTinyCommand(),
        new InspectCommand(),
    ];

    public static int Main(string[] args) => Run(args, CliConsole.Process());

    /// <summary>Runs a command line with no input (tests); exit codes: 0 ok, 1 failure, 2 usage error.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null) =>
        Run(args, new CliConsole(input ?? TextReader.Null, output, error, Interactive: false));

    /// <summary>Runs a command line; exit codes: 0 ok, 1 failure, 2 usage error, 130 cancelled (Ctrl+C, SIGINT), 143 SIGTERM (logits, make-tiny).</summary>
    public static int Run(string[] args, CliConsole console)
    {
        TextWriter output = console.Out, error = console.Error;
        bool verbose = args.Contains("--verbose");
        try
        {
            if (args.Length > 0 && (args[0] is "help" or "--help" or "-h"))
            {
                PrintHelp(output);
                return 0;
            }
            string name = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : Commands[0].Name;
            string[] rest = args.Length > 0 && args[0] == name ? args[1..] : args;
            ICliCommand command = Commands.FirstOrDefault(c => c.Name == name)
                ?? throw new CliUsageException($"unknown command '{name}' (commands: {string.Join(", ", Commands.Select(c => c.Name))})");
            var parsed = new CliArguments(rest, command.Switches.ToArray());
            if (parsed.Flag("help"))
            {
                output.WriteLine($"usage: {command.Usage}");
                output.WriteLine(command.Summary);
                return 0;
            }
            parsed.Flag("verbose");
            return command.Run(parsed, console);
        }
        catch (CommandInterruptedException e)
        {
            error.WriteLine($"nativeinfer: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("nativeinfer: cancelled");
            return 130;
        }
        catch (CliUsageException e)
        {
            error.WriteLine($"nativeinfer: {DisplayText.Escape(e.Message)} (see `nativeinfer help`)");
            return 2;
        }
        catch (Exception e)
        {
            // Messages quote paths, arguments and file contents: escaped, the error stays one line and inert.
            error.WriteLine($"nativeinfer: {DisplayText.Escape(e.Message)}");
            if (verbose) PrintDetails(e, error);
            return 1;
        }
    }

    /// <summary>--verbose: the exception with its stack, and what the one-line message leaves out (where native libraries were looked for).</summary>
    private static void PrintDetails(Exception e, TextWriter error)
    {
        error.WriteLine(e);
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is NativeLibraryNotFoundException missing) error.WriteLine(missing.Details);
        // A rule that asked for CUDA reports the probe's one-line reason; its details are here.
        if (CudaDevice.ProbedAvailability is { IsAvailable: false, Details.Length: > 0 } cuda)
            error.WriteLine($"CUDA: {cuda.Reason}{Environment.NewLine}{cuda.Details}");
    }

    private static void PrintHelp(TextWriter output)
    {
        output.WriteLine("usage: nativeinfer <command> [options]   (--verbose shows details of failures)");
        foreach (ICliCommand c in Commands) output.WriteLine($"  {c.Name,-10} {c.Summary}");
    }
}
