namespace NativeInfer.Generation.Sampling;

/// <summary>A token still in the running while sampling: its id, its (processed) logit and, after softmax, its probability.</summary>
public struct TokenCandidate(int id, float logit)
{
    public int Id = id;
    public float Logit = logit;
    public float Probability;

    public override readonly string ToString() => $"{Id}: logit {Logit}, p {Probability}";
}
