using BenchmarkDotNet.Running;

namespace NativeInfer.Bench;

/// <summary>
/// Entry point: `dotnet run -c Release --project bench/NativeInfer.Bench -- --filter '*'`.
/// See docs/benchmarks.md for the commands behind every recorded number.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
