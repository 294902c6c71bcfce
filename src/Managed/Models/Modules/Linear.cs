namespace NativeInfer.Models.Modules;

/// <summary>y = W x (+ b): W is [out][in] (GGUF ne = {in, out}).</summary>
public class Linear : Module
{
    public Linear(string path, string ggufBase, int inFeatures, int outFeatures, bool bias = false) : base(path)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        HasBias = bias;
        GgufBase = ggufBase;
        var weights = new List<TensorSpec> { new("weight", ggufBase + ".weight", [inFeatures, outFeatures]) };
        if (bias) weights.Add(new TensorSpec("bias", ggufBase + ".bias", [outFeatures]));
        Weights = weights;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public bool HasBias { get; }

    /// <summary>GGUF name without the ".weight" suffix ("blk.3.attn_q").</summary>
    public string GgufBase { get; }

    public override IReadOnlyList<TensorSpec> Weights { get; }

    public override string ClassName => "Linear";
}
