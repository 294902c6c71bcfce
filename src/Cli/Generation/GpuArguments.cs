using System.Reflection;
using NativeInfer.Cli.CommandLine;
using NativeInfer.Injection;
using NativeInfer.Runtime;
using NativeInfer.Tensors;

namespace NativeInfer.Cli.Generation;

/// <summary>
/// --gpu, --emulate-gpu and --gpu-linears: run what the rules place on CUDA through the GPU decode path
/// (NativeInfer.Gpu's GpuDecodeBackend, docs/cuda.md "Rule placement"). The CLI assembly does not reference
/// NativeInfer.Gpu (nor ILGPU): the backend is created by name from the assembly deployed beside it, only when one of
/// these switches asks for it, so a run without them never loads ILGPU.
/// </summary>
internal sealed record GpuArguments
{
    public const string Usage = """
          --gpu            run what the rules place on CUDA through the GPU decode path on cuda:0 (modules no rule
                           places go there too, KTransformers' default device); the routed experts stay on the CPU
          --emulate-gpu    the same on an emulation of cuda:0 on the CPU (slow: to see a GPU rule file run without a GPU)
          --gpu-linears P  auto (default: the int4 GEMM for Q4_0 weights that meet its tiles, f16 for the rest),
                           f16 or f32: how the linears' weights are kept on the device
        """;

    public static IReadOnlyList<string> Switches => ["gpu", "emulate-gpu"];

    private const string BackendType = "NativeInfer.Gpu.Decode.GpuDecodeBackend";
    private const string OptionsType = "NativeInfer.Gpu.Decode.GpuDecodeOptions";
    private const string PrecisionType = "NativeInfer.Gpu.Decode.GpuLinearPrecision";

    public bool Gpu { get; init; }
    public bool Emulate { get; init; }
    public string Linears { get; init; } = "auto";

    public bool Enabled => Gpu || Emulate;

    public static GpuArguments Parse(CliArguments args)
    {
        var parsed = new GpuArguments
        {
            Gpu = args.Flag("gpu"),
            Emulate = args.Flag("emulate-gpu"),
            Linears = args.Option("gpu-linears")?.ToLowerInvariant() switch
            {
                null => "auto",
                "auto" or "f16" or "f32" => args.Option("gpu-linears")!.ToLowerInvariant(),
                string other => throw new CliUsageException($"--gpu-linears must be auto, f16 or f32 (got '{other}')"),
            },
        };
        if (parsed.Gpu && parsed.Emulate) throw new CliUsageException("--gpu and --emulate-gpu exclude each other");
        return parsed;
    }

    /// <summary>The injection options with the default device the backend needs (cuda:0 when enabled).</summary>
    public InjectionOptions Injection(bool fallbackToCpu) =>
        new() { FallbackToCpu = fallbackToCpu, DefaultDevice = Enabled ? new Device(DeviceKind.Cuda, 0) : Device.Cpu };

    /// <summary>The backend these switches ask for; null without --gpu / --emulate-gpu.</summary>
    public IGpuBackend? CreateBackend()
    {
        if (!Enabled) return null;
        Assembly assembly;
        try
        {
            assembly = Assembly.Load("NativeInfer.Gpu");
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new CliUsageException($"--{(Gpu ? "gpu" : "emulate-gpu")} needs NativeInfer.Gpu.dll beside the command, which this installation lacks ({e.Message})");
        }
        Type backend = assembly.GetType(BackendType, throwOnError: true)!;
        Type optionsType = assembly.GetType(OptionsType, throwOnError: true)!;
        object options = Activator.CreateInstance(optionsType)!;
        optionsType.GetProperty("Linears")!.SetValue(options, Enum.Parse(assembly.GetType(PrecisionType, throwOnError: true)!, Linears, ignoreCase: true));
        return (IGpuBackend)Activator.CreateInstance(backend, Emulate, options)!;
    }
}
