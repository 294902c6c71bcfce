namespace NativeInfer.Models.Modules;

/// <summary>DeepSeek-V2's router: logits = W x with W [experts][hidden] (GGUF ffn_gate_inp).</summary>
public sealed class MoEGate(string path, string ggufBase, int hidden, int numExperts) : Module(path)
{
    public int Hidden { get; } = hidden;
    public int NumExperts { get; } = numExperts;
    public string GgufBase { get; } = ggufBase;

    public override IReadOnlyList<TensorSpec> Weights { get; } = [new("weight", ggufBase + ".weight", [hidden, numExperts])];
}
