using System.Diagnostics;
using NativeInfer.Gguf;
using NativeInfer.Gpu.Decode;
using NativeInfer.Gpu.Devices;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;

namespace NativeInfer.GpuCheck;

/// <summary>
/// The whole GPU decode step (<see cref="GpuDecodePath"/>) on the device against the CPU path's logits, on
/// synthetic tiny models written here (the check bundle carries no model files): DeepSeek-V3 (MLA, sigmoid router
/// with bias and groups, dense first layer, shared expert) and Qwen3-MoE (GQA with q/k norms), F32 weights.
/// Every position of a 12-token prompt fed one token at a time, f32 linears (the math, not the f16 rounding):
/// max|Δ|/max|ref| over each position's logits within 2e-3. Then decode steps per second for orientation
/// (tiny shapes: launch overhead, not bandwidth; the benchmark is for full-size models).
/// </summary>
internal static class DecodeCheck
{
    private static readonly int[] Prompt = [1, 17, 300, 42, 99, 7, 512, 3, 64, 128, 5, 900];

    public static void Run(IGpuDevice device, CheckReport report)
    {
        string dir = Path.Combine(Path.GetTempPath(), "nativeinfer-gpucheck-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            // F32 weights: with quantized ones the CPU kernels also quantize the activations (as llama.cpp does),
            // which the GPU path does not, and the two would differ by that rounding rather than by a defect.
            One(device, report, dir, DeepseekV2SyntheticSpec.TinyV3(1024).WithAllTypes(GgmlType.F32) with { Layers = 3 });
            One(device, report, dir, Qwen3SyntheticSpec.Tiny(1024).WithAllTypes(GgmlType.F32));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void One(IGpuDevice device, CheckReport report, string dir, SyntheticModelSpec spec)
    {
        string name = $"decode {spec.Name}";
        try
        {
            string gguf = Path.Combine(dir, spec.Name + ".gguf");
            SyntheticModelWriter.Write(spec, gguf);
            using InferenceModel model = InferenceModel.Load(gguf);
            int vocab = model.Config.VocabSize;
            using InferenceSession cpu = model.CreateSession(new SessionOptions { ContextLength = 64 });
            using GpuDecodePath gpu = GpuDecodePath.Create(model, device, new GpuDecodeOptions { ContextLength = 64, Linears = GpuLinearPrecision.F32 });
            float[] want = new float[vocab], got = new float[vocab];
            for (int p = 0; p < Prompt.Length; p++)
            {
                cpu.Forward([Prompt[p]], want);
                gpu.Forward([Prompt[p]], got);
                report.Compare($"{name} position {p}", got, want, 2e-3);
            }
            const int steps = 16;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) gpu.Forward([Prompt[i % Prompt.Length]], got);
            report.Line($"      {name}: {steps / clock.Elapsed.TotalSeconds:0.0} decode steps/s on {device.Description} (tiny shapes, for orientation)");
        }
        catch (Exception e)
        {
            report.Result(name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
