using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Every kernel launcher, loaded once for one accelerator (compiling a kernel is expensive: do it at load, not
/// per step). The launchers are stateless apart from the loaded kernel, so one set serves every stream of the
/// accelerator.
/// </summary>
public sealed class GpuKernels
{
    public GpuKernels(Accelerator accelerator) : this(accelerator, KernelShape.For(accelerator)) { }

    public GpuKernels(Accelerator accelerator, KernelShape shape)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Shape = shape;
        RmsNorm = new RmsNormKernel(accelerator, shape);
        Rope = new RopeKernel(accelerator, shape);
        SiluMul = new SiluMulKernel(accelerator, shape);
        ResidualAdd = new ResidualAddKernel(accelerator, shape);
        HalfConvert = new HalfConvertKernel(accelerator, shape);
        RowCopy = new RowCopyKernel(accelerator, shape);
        Embedding = new EmbeddingKernel(accelerator, shape);
        DenseF16 = new DenseF16Kernel(accelerator, shape);
        DenseF32 = new DenseF32Kernel(accelerator, shape);
        Router = new RouterKernel(accelerator, shape);
        CausalSoftmax = new CausalSoftmaxKernel(accelerator, shape);
        Mla = new MlaAttention(accelerator, shape, CausalSoftmax);
        Gqa = new GqaAttention(accelerator, shape, RmsNorm, Rope, RowCopy, CausalSoftmax);
    }

    public KernelShape Shape { get; }
    public RmsNormKernel RmsNorm { get; }
    public RopeKernel Rope { get; }
    public SiluMulKernel SiluMul { get; }
    public ResidualAddKernel ResidualAdd { get; }
    public HalfConvertKernel HalfConvert { get; }
    public RowCopyKernel RowCopy { get; }
    public EmbeddingKernel Embedding { get; }
    public DenseF16Kernel DenseF16 { get; }
    public DenseF32Kernel DenseF32 { get; }
    public RouterKernel Router { get; }
    public CausalSoftmaxKernel CausalSoftmax { get; }
    public MlaAttention Mla { get; }
    public GqaAttention Gqa { get; }
}
