using NativeInfer.Cli.CommandLine;
using NativeInfer.Diagnostics;
using NativeInfer.Kernels;

namespace NativeInfer.Cli.Commands;

/// <summary>
/// What `nativeinfer` does with no arguments (the README's first command): show the CPU, run the
/// self-check, and report kernel speed, then say where to go next.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    public string Name => "demo";
    public string Summary => "the default: CPU report, kernel self-check and a short speed report";
    public string Usage => "nativeinfer [demo] [--threads N]";

    public int Run(CliArguments args, TextWriter output)
    {
        int threads = args.IntOption("threads", 0, 0, 1024);
        args.EnsureAllConsumed();
        output.WriteLine("NativeInfer — Mixture-of-Experts inference for .NET on native kernels");
        output.WriteLine();
        CpuCommand.Print(CpuInfo.Query(), output);
        output.WriteLine();
        bool ok = SelfCheckCommand.Print(KernelSelfCheck.Run(threads), output);
        output.WriteLine();
        using KernelPool pool = KernelPool.Create(threads);
        KernelsCommand.Print(pool, KernelReport.Run(pool), output);
        output.WriteLine();
        output.WriteLine("Next: `dotnet test` runs every test; bench/ holds the BenchmarkDotNet suite (docs/benchmarks.md);");
        output.WriteLine("`nativeinfer help` lists the commands.");
        return ok ? 0 : 1;
    }
}
