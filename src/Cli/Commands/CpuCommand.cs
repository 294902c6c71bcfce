using NativeInfer.Cli.CommandLine;
using NativeInfer.Kernels;

namespace NativeInfer.Cli.Commands;

/// <summary>`nativeinfer cpu`: the CPU features the native library sees and the ISA it picks.</summary>
public sealed class CpuCommand : ICliCommand
{
    public string Name => "cpu";
    public string Summary => "show CPU features and the instruction set the kernels use";
    public string Usage => "nativeinfer cpu";

    public int Run(CliArguments args, TextWriter output)
    {
        args.EnsureAllConsumed();
        Print(CpuInfo.Query(), output);
        return 0;
    }

    internal static void Print(CpuInfo cpu, TextWriter output)
    {
        output.WriteLine($"CPU:        {cpu.Brand} ({cpu.LogicalCpus} logical CPUs)");
        output.WriteLine($"features:   {cpu.Features}");
        output.WriteLine($"kernels:    {CpuInfo.IsaName(cpu.AutoIsa)}" +
                         (cpu.EnvironmentOverride is { } o ? $" (NATIVEINFER_ISA={CpuInfo.IsaName(o)})" : $" (best this CPU runs: {CpuInfo.IsaName(cpu.BestIsa)})"));
        output.WriteLine($"native lib: {Interop.NativeLibraryResolver.LoadedPath}");
    }
}
