namespace NativeInfer.Models.Modules;

/// <summary>
/// All routed experts of a MoE layer as three stacked tensors, exactly as GGUF stores them:
/// ffn_gate_exps / ffn_up_exps ne = {hidden, ffn, E}, ffn_down_exps ne = {ffn, hidden, E}.
/// </summary>
public sealed class Experts : Module
{
    public Experts(string path, string ggufPrefix, int numExperts, int hidden, int ffn) : base(path)
    {
        NumExperts = numExperts;
        Hidden = hidden;
        Ffn = ffn;
        Weights =
        [
            new TensorSpec("gate", ggufPrefix + "ffn_gate_exps.weight", [hidden, ffn, numExperts]),
            new TensorSpec("up", ggufPrefix + "ffn_up_exps.weight", [hidden, ffn, numExperts]),
            new TensorSpec("down", ggufPrefix + "ffn_down_exps.weight", [ffn, hidden, numExperts]),
        ];
    }

    public int NumExperts { get; }
    public int Hidden { get; }
    public int Ffn { get; }

    public override IReadOnlyList<TensorSpec> Weights { get; }
}
