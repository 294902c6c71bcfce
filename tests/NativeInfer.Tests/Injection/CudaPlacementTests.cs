using NativeInfer.Cuda;
using NativeInfer.Injection;
using NativeInfer.Models;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;
using NativeInfer.Tests.Models;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Injection;

/// <summary>
/// Where modules land when a rule names a CUDA device: only operators with a CUDA implementation
/// (KTransformersLinear through the int4 GEMM) may run there; everything else fails with the reason,
/// or runs on the CPU when the user asked for the fallback.
/// </summary>
public class CudaPlacementTests
{
    private const string GpuRules = """
        - match: { name: "^model\\.layers\\..*\\.self_attn\\.q_proj$", class: torch.nn.Linear }
          replace: { class: ktransformers.operators.linear.KTransformersLinear, kwargs: { generate_device: cuda, prefill_device: cuda, generate_op: KLinearMarlin, prefill_op: KLinearTorch } }
        - match: { name: "^model\\.layers\\..*\\.self_attn$" }
          replace: { class: KDeepseekV2Attention, kwargs: { generate_device: "cuda:0", prefill_device: "cuda:0" } }
        """;

    private static CausalLM Tree() => new DeepseekDefinition().BuildModuleTree(ModuleTreeTests.DeepseekV2Lite(layers: 2));

    private static InjectionOptions WithGpu(bool fallback) =>
        new() { DeviceProbe = d => (true, ""), FallbackToCpu = fallback };

    [Test]
    public void GpuAvailable_LinearRunsMarlinOnCuda_AttentionWithoutCudaImplementationFails()
    {
        var e = Assert.Throws<InjectionException>(() => Injector.Plan(Tree(), RuleFile.Parse(GpuRules, "gpu.yaml"), WithGpu(fallback: false)))!;
        Assert.That(e.Message, Does.Contain("gpu.yaml:3 (rule 2)").And.Contain("KDeepseekV2Attention has no CUDA implementation"));
    }

    [Test]
    public void GpuAvailable_WithFallback_LinearStaysOnCudaAndAttentionMovesToCpu()
    {
        InjectionPlan plan = Injector.Plan(Tree(), RuleFile.Parse(GpuRules, "gpu.yaml"), WithGpu(fallback: true));
        PlannedOperator q = plan.For("model.layers.1.self_attn.q_proj")!;
        Assert.That((q.GenerateDevice.ToString(), q.PrefillDevice.ToString()), Is.EqualTo(("cuda:0", "cuda:0")));
        Assert.That((q.GenerateOp, q.PrefillOp), Is.EqualTo(("KLinearMarlin", "KLinearMarlin")), "KLinearTorch on a CUDA device is the int4 GEMM");
        PlannedOperator attn = plan.For("model.layers.1.self_attn")!;
        Assert.That(attn.GenerateDevice.IsCpu && attn.PrefillDevice.IsCpu);
        Assert.That(plan.Warnings, Has.Some.Contains("run on the CPU instead (fallback: operator KDeepseekV2Attention has no CUDA implementation yet)"));
    }

    [Test]
    public void NoGpu_RuleOnCuda_FailsWithTheDriversReason_OrFallsBackWhenAsked()
    {
        if (CudaDevice.Availability.IsAvailable) Assert.Ignore("a CUDA device is present; this test checks the machine without one");
        var e = Assert.Throws<InjectionException>(() => Injector.Plan(Tree(), RuleFile.Parse(GpuRules, "gpu.yaml")))!;
        Assert.That(e.Message, Does.Contain("cuda:0 is not available").And.Contain(CudaDevice.Availability.Reason));
        InjectionPlan plan = Injector.Plan(Tree(), RuleFile.Parse(GpuRules, "gpu.yaml"), new InjectionOptions { FallbackToCpu = true });
        PlannedOperator q = plan.For("model.layers.0.self_attn.q_proj")!;
        Assert.That((q.GenerateDevice.IsCpu, q.GenerateOp, q.PrefillOp), Is.EqualTo((true, "KLinearCPU", "KLinearCPU")));
    }

    [Test]
    public void MarlinOnCpu_IsAnError()
    {
        const string rules = """
            - match: { class: torch.nn.Linear }
              replace: { class: KTransformersLinear, kwargs: { generate_op: KLinearMarlin } }
            """;
        var e = Assert.Throws<InjectionException>(() => Injector.Plan(Tree(), RuleFile.Parse(rules, "cpu.yaml")))!;
        Assert.That(e.Message, Does.Contain("KLinearMarlin runs on a CUDA device"));
    }

    /// <summary>On a GPU: a DeepSeek-V2-Lite-shaped model with every layer Linear on the int4 GEMM matches the CPU run.</summary>
    [Test, Category("GPU")]
    public void Gpu_MarlinLinears_MatchCpuLogits()
    {
        if (!CudaDevice.Availability.IsAvailable) Assert.Ignore($"no CUDA device: {CudaDevice.Availability.Reason}");
        string path = Path.Combine(Path.GetTempPath(), "nativeinfer-gpu-test-v2lite-2l.gguf");
        if (!File.Exists(path))
            NativeInfer.Models.Synthetic.SyntheticModelWriter.Write(NativeInfer.Models.Synthetic.SyntheticModelSpec.DeepseekV2Lite(2, NativeInfer.Gguf.GgmlType.Q4_0) with { Vocab = 4096 }, path);
        const string rules = """
            - match: { name: "^model\\.layers\\.(?!.*self_attn\\.kv_b_proj).*$", class: torch.nn.Linear }
              replace: { class: KTransformersLinear, kwargs: { generate_device: cuda, prefill_device: cuda, generate_op: KLinearMarlin, prefill_op: KLinearMarlin } }
            """;
        using InferenceModel cpu = InferenceModel.Load(path);
        using InferenceModel gpu = InferenceModel.Load(path, new ModelOptions { Rules = RuleFile.Parse(rules, "gpu.yaml") });
        int[] prompt = [1, 17, 400, 23, 3000, 5, 99, 2048];
        float[] a = new float[8 * cpu.Config.VocabSize], b = new float[a.Length];
        using (var s = cpu.CreateSession(new SessionOptions { ContextLength = 64 })) s.ForwardAll(prompt, a);
        using (var s = gpu.CreateSession(new SessionOptions { ContextLength = 64 })) s.ForwardAll(prompt, b);
        // f16 activations on the GPU vs Q8_0 on the CPU: relative L2 difference of the logits well under 2%.
        double err = 0, norm = 0;
        for (int i = 0; i < a.Length; i++) { err += (a[i] - b[i]) * (double)(a[i] - b[i]); norm += a[i] * (double)a[i]; }
        Assert.That(Math.Sqrt(err / norm), Is.LessThan(0.02));
    }
}
