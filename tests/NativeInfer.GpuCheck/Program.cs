using NativeInfer.Gpu.Devices;
using NativeInfer.GpuCheck;

// nativeinfer-gpucheck [--device N] [--emulate] [--m 1,7,16,33,64]
//   On a GPU: every ILGPU kernel on cuda:N against the emulated device, then the Marlin GEMM on the shared stream
//   against float64. --emulate: the device under test is a second emulation (another warp/group shape), to run
//   the tool itself on a machine without a GPU. Exit code: 0 all passed, 1 a check failed, 2 no device / bad usage.
int index = 0;
bool emulate = false;
int[] ms = [1, 7, 16, 33, 64];
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--device" when i + 1 < args.Length && int.TryParse(args[i + 1], out index) && index >= 0: i++; break;
        case "--emulate": emulate = true; break;
        case "--m" when i + 1 < args.Length: ms = args[++i].Split(',').Select(int.Parse).ToArray(); break;
        default:
            Console.Error.WriteLine($"nativeinfer-gpucheck: unknown or incomplete argument '{args[i]}' (--device N, --emulate, --m 1,7,16)");
            return 2;
    }
}

var report = new CheckReport(Console.Out);
IGpuDevice device;
try
{
    device = emulate ? EmulatedGpuDevice.Open(index, warpSize: 8, warps: 4) : CudaGpuDevice.Open(index);
}
catch (GpuUnavailableException e)
{
    Console.Error.WriteLine($"nativeinfer-gpucheck: {e.Message}");
    return 2;
}
using (device)
using (IGpuDevice reference = EmulatedGpuDevice.Open(index))
{
    report.Line($"device under test: {device.Description}");
    report.Line($"reference:         {reference.Description}");
    report.Line("== ILGPU kernels vs the emulated device");
    KernelComparison.Run(device, reference, report);
    report.Line($"== Marlin int4 GEMM on the shared stream, M ∈ {{{string.Join(", ", ms)}}}");
    MarlinCheck.Run(device, ms, report);
    report.Line("== the GPU decode path vs the CPU path (synthetic tiny models)");
    // Emulated, the decode step runs on groups of 2 threads: every lane is an OS thread, and the 8 × 4 shape of the
    // kernel comparison would take minutes per token.
    using (IGpuDevice? narrow = emulate ? EmulatedGpuDevice.Open(index, warpSize: 2, warps: 1) : null)
    using (IGpuDevice decodeReference = EmulatedGpuDevice.Open(index, warpSize: 2, warps: 1))
        DecodeCheck.Run(narrow ?? device, decodeReference, report);
}
report.Line($"gpucheck: {report.Checks - report.Failures} passed, {report.Failures} failed");
return report.Failures == 0 ? 0 : 1;
