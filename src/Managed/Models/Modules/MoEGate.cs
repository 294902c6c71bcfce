namespace NativeInfer.Models.Modules;

/// <summary>
/// DeepSeek's router: logits = W x with W [experts][hidden] (GGUF blk.N.ffn_gate_inp); with
/// <paramref name="selectionBias"/> also e_score_correction_bias [experts] (DeepSeek-V3, GGUF
/// blk.N.exp_probs_b.bias), added to the scores for choosing experts only.
/// </summary>
public sealed class MoEGate(string path, int layer, int hidden, int numExperts, bool selectionBias) : Module(path)
{
    public int Hidden { get; } = hidden;
    public int NumExperts { get; } = numExperts;
    public bool HasSelectionBias { get; } = selectionBias;

    public override IReadOnlyList<TensorSpec> Weights { get; } = selectionBias
        ? [new("weight", $"blk.{layer}.ffn_gate_inp.weight", [hidden, numExperts]),
           new("e_score_correction_bias", $"blk.{layer}.exp_probs_b.bias", [numExperts])]
        : [new("weight", $"blk.{layer}.ffn_gate_inp.weight", [hidden, numExperts])];
}
