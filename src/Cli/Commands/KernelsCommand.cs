using NativeInfer.Cli.CommandLine;
using NativeInfer.Diagnostics;
using NativeInfer.Kernels;

namespace NativeInfer.Cli.Commands;

/// <summary>`nativeinfer kernels`: a short speed report of the matmul kernels against read bandwidth.</summary>
public sealed class KernelsCommand : ICliCommand
{
    public string Name => "kernels";
    public string Summary => "short kernel speed report (decode matmuls as a fraction of read bandwidth)";
    public string Usage => "nativeinfer kernels [--threads N]";

    public int Run(CliArguments args, TextWriter output)
    {
        int threads = args.IntOption("threads", 0, 0, 1024);
        args.EnsureAllConsumed();
        using KernelPool pool = KernelPool.Create(threads);
        Print(pool, KernelReport.Run(pool), output);
        return 0;
    }

    internal static void Print(KernelPool pool, KernelReportResult report, TextWriter output)
    {
        output.WriteLine($"kernel report ({pool.ThreadCount} threads, {CpuInfo.IsaName(pool.Isa)}); read bandwidth {report.ReadBandwidthGBs:0.0} GB/s");
        output.WriteLine("  kernel  type    tokens  shape         µs/call   weight GB/s  of bandwidth  GFLOP/s");
        foreach (KernelReportLine l in report.Lines)
        {
            string fraction = double.IsNaN(l.FractionOfBandwidth) ? "" : $"{l.FractionOfBandwidth:P0}";
            output.WriteLine($"  {l.Kernel,-7} {QuantTypes.Name(l.Type),-7} {l.Tokens,6}  2048→1408  {l.Microseconds,10:0.0}  {l.GigabytesPerSecond,11:0.0}  {fraction,12}  {l.Gflops,7:0.0}");
        }
    }
}
