namespace NativeInfer.Models.Modules;

/// <summary>Token id → row of the embedding table ([vocab][dim], GGUF ne = {dim, vocab}).</summary>
public class Embedding(string path, string ggufBase, int vocab, int dim) : Module(path)
{
    public int Vocab { get; } = vocab;
    public int Dim { get; } = dim;
    public string GgufBase { get; } = ggufBase;

    public override IReadOnlyList<TensorSpec> Weights { get; } = [new("weight", ggufBase + ".weight", [dim, vocab])];
}
