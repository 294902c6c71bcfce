using NativeInfer.Gguf;
using NativeInfer.Gpu.Decode;
using NativeInfer.Gpu.Devices;
using NativeInfer.Models.Synthetic;
using NativeInfer.Runtime;
using NativeInfer.Tests.Runtime;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// The whole GPU decode step (<see cref="GpuDecodePath"/>) on the emulated cuda:0 (ILGPU's CPU accelerator, routed
/// experts on the CPU), on the tiny reference models: every position of prompt + greedy continuation fed one
/// token at a time, the logits compared with llama.cpp's (../shared/testdata, the README's -f32 tolerance) and
/// with the CPU path's own logits (the reference protocol on an <see cref="InferenceSession"/>).
/// The emulation runs groups of 2 threads (warps of 2 × 1): every lane is an OS thread that meets the others at
/// each barrier, and wider groups make a token ~20× slower here without exercising anything the kernel tests
/// (two wider shapes) do not.
/// </summary>
[Category("GpuEmulated")]
[NonParallelizable]
public class GpuDecodePathTests
{
    public static IEnumerable<string> Models() =>
        ["tiny-deepseek2-f32", "tiny-deepseek2-lite-f32", "tiny-deepseek3-f32", "tiny-qwen2moe-f32", "tiny-qwen3moe-f32"];

    /// <summary>
    /// GPU against the CPU path with f16 linears. Rounding a weight to f16 changes it by at most 2⁻¹¹ relative; over
    /// a dot product of K terms with independent rounding signs the error grows like √K · 2⁻¹¹ · |w|·|x| — about
    /// 1e-4 of a logit per layer on these models — so the paths may drift apart by some 1e-3 over a few layers and
    /// the head. Measured: at most 0.0073 (tiny-qwen3moe-f32). The bound is the reference's own max |Δ| budget,
    /// 0.02, so the f16 path is held to the same distance from the CPU as both are from llama.cpp.
    /// </summary>
    private const double F16VersusCpu = 0.02;

    /// <summary>
    /// With f32 linears the two paths differ only in summation order (group reductions vs the CPU kernels' SIMD
    /// sums; RMSNorm's sum of squares in f32, not f64): measured at most 0.0048, bounded at 0.01.
    /// </summary>
    private const double F32VersusCpu = 0.01;

    /// <summary>Logits after each token of prompt + greedy tokens, one decode step per token: [positions][vocab].</summary>
    internal static float[][] Run(GpuDecodePath path, ReferenceLogits reference)
    {
        var rows = new List<float[]>();
        foreach (int token in reference.PromptTokens.Concat(reference.GreedyTokens))
        {
            var logits = new float[path.VocabSize];
            path.Forward([token], logits);
            rows.Add(logits);
        }
        return rows.ToArray();
    }

    internal static double MaxAbsDifference(float[][] a, float[][] b)
    {
        Assert.That(a.Length, Is.EqualTo(b.Length), "positions");
        double max = 0;
        for (int p = 0; p < a.Length; p++)
            for (int i = 0; i < a[p].Length; i++) max = Math.Max(max, Math.Abs(a[p][i] - b[p][i]));
        return max;
    }

    private static float[][] RunCpu(InferenceModel model, ReferenceLogits reference)
    {
        using InferenceSession s = model.CreateSession(new SessionOptions { Threads = 2, ContextLength = 64 });
        return reference.Run(s);
    }

    private static void CheckModel(string name, GpuLinearPrecision precision, double versusCpu)
    {
        var (model, reference) = ReferenceModelTests.Load(name);
        using (model)
        {
            float[][] cpu = RunCpu(model, reference);
            using var device = EmulatedGpuDevice.Open(0, 2, 1);
            using var path = GpuDecodePath.Create(model, device, new GpuDecodeOptions { ContextLength = 64, Linears = precision, CpuThreads = 2 });
            float[][] gpu = Run(path, reference);
            double fromCpu = MaxAbsDifference(gpu, cpu);
            TestContext.Out.WriteLine($"{name}, {precision} linears on {device.Description}: vs CPU path max |Δ| {fromCpu:0.000000}");
            reference.AssertWithinTolerance(reference.Compare(gpu));
            Assert.That(fromCpu, Is.LessThanOrEqualTo(versusCpu), $"{name}: GPU path vs CPU path");
        }
    }

    [TestCaseSource(nameof(Models))]
    public void Logits_F16Linears_MatchLlamaCpp_AndTheCpuPath(string name) => CheckModel(name, GpuLinearPrecision.F16, F16VersusCpu);

    [TestCase("tiny-deepseek3-f32")]   // sigmoid router with selection bias and groups, q LoRA, MLA
    [TestCase("tiny-qwen2moe-f32")]    // GQA with biases, sigmoid-gated shared expert
    public void Logits_F32Linears_MatchLlamaCpp_AndTheCpuPath(string name) => CheckModel(name, GpuLinearPrecision.F32, F32VersusCpu);

    [Test]
    public void EachStep_DownloadsOncePerMoeLayer_PlusTheLogits()
    {
        var (model, reference) = ReferenceModelTests.Load("tiny-deepseek2-f32");
        using (model)
        {
            int moeLayers = Enumerable.Range(0, model.Config.NumLayers).Count(model.Config.IsMoeLayer);
            Assert.That(moeLayers, Is.GreaterThan(0).And.LessThan(model.Config.NumLayers), "the model has dense and MoE layers");
            using var device = new CountingGpuDevice(EmulatedGpuDevice.Open(0, 2, 1));
            using var path = GpuDecodePath.Create(model, device, new GpuDecodeOptions { ContextLength = 8, CpuThreads = 1 });
            var logits = new float[path.VocabSize];
            device.ResetCounts();
            path.Forward(reference.PromptTokens.AsSpan(0, 2), logits);
            // Per token: the id up, and per MoE layer (hidden, ids, weights) down and the experts' sum up; the logits once.
            Assert.That(device.Downloads, Is.EqualTo(2 * moeLayers + 1), "downloads");
            Assert.That(device.Uploads, Is.EqualTo(2 * (moeLayers + 1)), "uploads");
            Assert.That(path.Length, Is.EqualTo(2));
        }
    }

    [Test]
    public void BadInput_IsATypedError_AndLeavesThePathAsItWas()
    {
        var (model, reference) = ReferenceModelTests.Load("tiny-qwen2moe-f32");
        using (model)
        {
            using var device = EmulatedGpuDevice.Open(0, 2, 1);
            using var path = GpuDecodePath.Create(model, device, new GpuDecodeOptions { ContextLength = 4, CpuThreads = 1 });
            var logits = new float[path.VocabSize];
            path.Forward([reference.PromptTokens[0]], logits);
            Assert.Throws<ArgumentOutOfRangeException>(() => path.Forward([1, path.VocabSize], logits));
            Assert.Throws<ArgumentOutOfRangeException>(() => path.Forward([-1], logits));
            Assert.Throws<ArgumentException>(() => path.Forward([], logits));
            Assert.Throws<ArgumentException>(() => path.Forward([1], new float[path.VocabSize - 1]));
            var e = Assert.Throws<ContextLengthExceededException>(() => path.Forward([1, 2, 3, 4], logits))!;
            Assert.That(e.Capacity, Is.EqualTo(4));
            Assert.That(path.Length, Is.EqualTo(1), "no failed call advanced the cache");
            Assert.Throws<ArgumentOutOfRangeException>(() => path.Truncate(2));
        }
    }

    [Test]
    public void Truncate_ThenReplay_GivesTheSameLogits()
    {
        var (model, reference) = ReferenceModelTests.Load("tiny-qwen3moe-f32");
        using (model)
        {
            using var device = EmulatedGpuDevice.Open(0, 2, 1);
            using var path = GpuDecodePath.Create(model, device, new GpuDecodeOptions { ContextLength = 8, CpuThreads = 1 });
            float[] first = new float[path.VocabSize], again = new float[path.VocabSize];
            path.Forward(reference.PromptTokens.AsSpan(0, 3), first);
            path.Forward([reference.PromptTokens[5]], new float[path.VocabSize]);
            path.Truncate(2);
            path.Forward([reference.PromptTokens[2]], again);
            Assert.That(again, Is.EqualTo(first), "the same computation on the same cache rows is bit-identical");
        }
    }

    [Test]
    public void AnUnsupportedArchitecture_IsRefusedByName()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ni-gpu-decode-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string gguf = Path.Combine(dir, "llama.gguf");
            SyntheticModelWriter.Write(LlamaSyntheticSpec.Tiny(300), gguf);
            using InferenceModel model = InferenceModel.Load(gguf);
            using var device = EmulatedGpuDevice.Open(0, 2, 1);
            var e = Assert.Throws<GpuDecodeNotSupportedException>(() => GpuDecodePath.Create(model, device))!;
            Assert.That(e.Message, Does.Contain("'llama'").And.Contain("deepseek2"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
