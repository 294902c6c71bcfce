namespace NativeInfer.Models.Modules;

/// <summary>y = x / sqrt(mean(x²) + eps) ⊙ w.</summary>
public class RMSNorm(string path, string ggufBase, int dim, float eps) : Module(path)
{
    public int Dim { get; } = dim;
    public float Eps { get; } = eps;
    public string GgufBase { get; } = ggufBase;

    public override IReadOnlyList<TensorSpec> Weights { get; } = [new("weight", ggufBase + ".weight", [dim])];
}

/// <summary>Creates the RMSNorm of one architecture, under the class name its Hugging Face code gives it.</summary>
public delegate RMSNorm NormFactory(string path, string ggufBase, int dim, float eps);

// One class per architecture, as Hugging Face (and KTransformers' rule files) name them; a rule on
// RMSNorm still matches every one.
public sealed class DeepseekV2RMSNorm(string path, string ggufBase, int dim, float eps) : RMSNorm(path, ggufBase, dim, eps);

public sealed class DeepseekV3RMSNorm(string path, string ggufBase, int dim, float eps) : RMSNorm(path, ggufBase, dim, eps);

public sealed class Qwen2MoeRMSNorm(string path, string ggufBase, int dim, float eps) : RMSNorm(path, ggufBase, dim, eps);

public sealed class Qwen3MoeRMSNorm(string path, string ggufBase, int dim, float eps) : RMSNorm(path, ggufBase, dim, eps);

public sealed class Qwen3RMSNorm(string path, string ggufBase, int dim, float eps) : RMSNorm(path, ggufBase, dim, eps);

public sealed class LlamaRMSNorm(string path, string ggufBase, int dim, float eps) : RMSNorm(path, ggufBase, dim, eps);

public sealed class MixtralRMSNorm(string path, string ggufBase, int dim, float eps) : RMSNorm(path, ggufBase, dim, eps);
