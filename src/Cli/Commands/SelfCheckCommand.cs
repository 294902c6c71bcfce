using NativeInfer.Cli.CommandLine;
using NativeInfer.Diagnostics;
using NativeInfer.Kernels;

namespace NativeInfer.Cli.Commands;

/// <summary>`nativeinfer selfcheck`: every kernel on every ISA against float64, in under a second.</summary>
public sealed class SelfCheckCommand : ICliCommand
{
    public string Name => "selfcheck";
    public string Summary => "check every kernel on every instruction set against a float64 computation";
    public string Usage => "nativeinfer selfcheck [--threads N]";

    public int Run(CliArguments args, TextWriter output)
    {
        int threads = args.IntOption("threads", 0, 0, 1024);
        args.EnsureAllConsumed();
        return Print(KernelSelfCheck.Run(threads), output) ? 0 : 1;
    }

    /// <summary>Prints one line per ISA; returns whether everything passed.</summary>
    internal static bool Print(IReadOnlyList<SelfCheckResult> results, TextWriter output)
    {
        output.WriteLine("self-check (error as a fraction of its bound; ≤ 1 passes):");
        foreach (var group in results.GroupBy(r => r.Isa))
        {
            string cells = string.Join("  ", group.Select(r => $"{(r.Kernel == "moe" ? "moe" : QuantTypes.Name(r.Type))} {r.ErrorToBound:0.00}{(r.Passed ? "" : " FAIL")}"));
            output.WriteLine($"  {CpuInfo.IsaName(group.Key),-12} {(group.All(r => r.Passed) ? "ok  " : "FAIL")}  {cells}");
        }
        return results.All(r => r.Passed);
    }
}
