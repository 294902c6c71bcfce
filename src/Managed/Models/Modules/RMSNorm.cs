namespace NativeInfer.Models.Modules;

/// <summary>y = x / sqrt(mean(x²) + eps) ⊙ w.</summary>
public class RMSNorm(string path, string ggufBase, int dim, float eps) : Module(path)
{
    public int Dim { get; } = dim;
    public float Eps { get; } = eps;
    public string GgufBase { get; } = ggufBase;

    public override IReadOnlyList<TensorSpec> Weights { get; } = [new("weight", ggufBase + ".weight", [dim])];
}
