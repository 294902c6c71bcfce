using System.Diagnostics;
using NativeInfer.Gguf;
using NativeInfer.Gpu.Decode;
using NativeInfer.Gpu.Devices;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;

namespace NativeInfer.GpuCheck;

/// <summary>
/// The whole GPU decode step (<see cref="GpuDecodePath"/>) on the device against the CPU path's logits, on
/// synthetic tiny models written here (the check bundle carries no model files). Every position of a 12-token prompt
/// fed one token at a time, max|Δ|/max|ref| over each position's logits:
/// - F32 weights, f32 linears (the math without f16 rounding), DeepSeek-V3 (MLA, sigmoid router with bias and groups,
///   dense first layer, shared expert) and Qwen3-MoE (GQA with q/k norms): within 2e-3 of the CPU path.
/// - Q4_0 weights, the default linears (the int4 GEMM for every Q4_0 linear that tiles; the report says how many),
///   DeepSeek-V3 and Qwen2-MoE (q/k/v biases after the GEMM): within 1e-2 of the same path on the emulated device
///   (whose GEMM is MarlinReferenceGemm on the same bytes), which isolates the native kernel inside the decode step —
///   the two differ by the GEMM's f32 summation order, which can flip an f16 rounding of an output (2⁻¹¹ relative),
///   and 1e-2 is some 20 of those; a layout or ordering defect is whole units. And within 0.07 of the CPU path (its q8
///   activations: at most 0.043 measured on the emulated device (`--emulate`); MarlinDecodePathTests holds the GPU side to float64). These
///   two models, not Qwen3-MoE: on this prompt their float64 routing margins are ≥ 0.008 logits, while the Q4_0
///   Qwen3-MoE model has a near tie (0.0006) that any change of rounding may flip (docs/cuda.md).
/// Then decode steps per second for orientation (tiny shapes: launch overhead, not bandwidth).
/// </summary>
internal static class DecodeCheck
{
    private static readonly int[] Prompt = [1, 17, 300, 42, 99, 7, 512, 3, 64, 128, 5, 900];

    /// <param name="reference">An emulated device: the Q4_0 runs are compared with the same path there.</param>
    public static void Run(IGpuDevice device, IGpuDevice reference, CheckReport report)
    {
        string dir = Path.Combine(Path.GetTempPath(), "nativeinfer-gpucheck-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            // F32 weights: with quantized ones the CPU kernels also quantize the activations (as llama.cpp does),
            // which the GPU path does not, and the two would differ by that rounding rather than by a defect.
            One(device, null, report, dir, DeepseekV2SyntheticSpec.TinyV3(1024).WithAllTypes(GgmlType.F32) with { Layers = 3 }, GpuLinearPrecision.F32, 2e-3);
            One(device, null, report, dir, Qwen3SyntheticSpec.Tiny(1024).WithAllTypes(GgmlType.F32), GpuLinearPrecision.F32, 2e-3);
            // Q4_0 weights (a Q8_0 head on DeepSeek, which stays f16), widths that meet the int4 GEMM's tiles.
            One(device, reference, report, dir, DeepseekV2SyntheticSpec.TinyV3(1024) with
            {
                Name = "tiny-deepseek3-q4_0", Layers = 3, WeightType = GgmlType.Q4_0, EmbeddingType = GgmlType.Q4_0, OutputType = GgmlType.Q8_0,
            }, GpuLinearPrecision.Auto, 0.07);
            One(device, reference, report, dir, Qwen2MoeSyntheticSpec.Tiny(1024).WithAllTypes(GgmlType.Q4_0) with { Name = "tiny-qwen2moe-q4_0" },
                GpuLinearPrecision.Auto, 0.07);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void One(IGpuDevice device, IGpuDevice? reference, CheckReport report, string dir, SyntheticModelSpec spec, GpuLinearPrecision linears,
                            double tolerance)
    {
        string name = $"decode {spec.Name} ({linears} linears)";
        try
        {
            string gguf = Path.Combine(dir, spec.Name + ".gguf");
            SyntheticModelWriter.Write(spec, gguf);
            using InferenceModel model = InferenceModel.Load(gguf);
            int vocab = model.Config.VocabSize;
            using InferenceSession cpu = model.CreateSession(new SessionOptions { ContextLength = 64 });
            using GpuDecodePath gpu = GpuDecodePath.Create(model, device, new GpuDecodeOptions { ContextLength = 64, Linears = linears });
            if (linears == GpuLinearPrecision.Auto)
            {
                int int4 = gpu.Linears.Count(l => l.Storage == GpuLinearStorage.MarlinInt4);
                report.Result($"{name}: linears on the int4 GEMM", int4 > 0, $"{int4} of {gpu.Linears.Count} weight matrices " +
                              $"(f16: {string.Join(", ", gpu.Linears.Where(l => l.Storage != GpuLinearStorage.MarlinInt4).Select(l => l.Module).Distinct().Take(4))}, …)");
            }
            using GpuDecodePath? emulated = reference is null ? null
                : GpuDecodePath.Create(model, reference, new GpuDecodeOptions { ContextLength = 64, Linears = linears });
            float[] want = new float[vocab], got = new float[vocab], same = new float[vocab];
            for (int p = 0; p < Prompt.Length; p++)
            {
                cpu.Forward([Prompt[p]], want);
                gpu.Forward([Prompt[p]], got);
                report.Compare($"{name} position {p} vs the CPU path", got, want, tolerance);
                if (emulated is null) continue;
                emulated.Forward([Prompt[p]], same);
                report.Compare($"{name} position {p} vs the emulated device", got, same, 1e-2);
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
