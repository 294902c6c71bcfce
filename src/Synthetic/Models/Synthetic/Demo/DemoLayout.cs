using System.Numerics.Tensors;

namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// How the demo model uses the d dimensions of its residual stream:
/// <code>
///   [0]                 β, a constant in every embedding: the bias the MLPs do not have
///   [1, 1+n)            ρ·r_t, the current token's direction (n = CurrentDims)
///   [P, P+n)            σ·r_prev, the previous token's direction, written by layer 0's attention (trigram models only)
///   [1, d)              memories m written by layer 0's MLP, along successor directions f_u (they overlap the above;
///                       cosines of random directions are small, and the memories are much larger)
/// </code>
/// ρ and σ make the stream's rms exactly 1 where the lookup MLP reads it (after the previous-token copy),
/// so its RMSNorm does not rescale anything. Token directions r_t are random unit vectors, the same for a
/// token every time they are asked for.
/// </summary>
internal sealed class DemoLayout
{
    /// <summary>β.</summary>
    public const float Bias = 4f;

    private readonly int _seed;

    /// <param name="hidden">d.</param>
    /// <param name="previousCapacity">Values layer 0's attention can carry from the previous token (null: no previous-token copy).</param>
    /// <param name="seed">Seed of the token directions.</param>
    public DemoLayout(int hidden, int? previousCapacity, int seed)
    {
        Hidden = hidden;
        _seed = seed;
        HasPrevious = previousCapacity is not null;
        float rest = hidden - Bias * Bias;
        if (previousCapacity is int capacity)
        {
            CurrentDims = Math.Min((hidden - 1) / 2, capacity);
            PreviousStart = 1 + CurrentDims;
            CurrentScale = PreviousScale = MathF.Sqrt(rest / 2);
        }
        else
        {
            CurrentDims = hidden - 1;
            PreviousStart = hidden;
            CurrentScale = MathF.Sqrt(rest);
        }
    }

    public int Hidden { get; }

    /// <summary>Whether layer 0's attention copies the previous token's direction into the stream.</summary>
    public bool HasPrevious { get; }

    /// <summary>n: values of a token direction.</summary>
    public int CurrentDims { get; }

    public const int CurrentStart = 1;

    /// <summary>P: where the previous token's copy starts (Hidden when there is none).</summary>
    public int PreviousStart { get; }

    /// <summary>ρ.</summary>
    public float CurrentScale { get; }

    /// <summary>σ (0 without a previous-token copy).</summary>
    public float PreviousScale { get; }

    /// <summary>Cosines of two random n-value directions have sd 1/√n; a lookup threshold ~6 sd above them never fires by accident.</summary>
    public float MatchThreshold => Math.Clamp(6f / MathF.Sqrt(CurrentDims), 0.5f, 0.8f);

    /// <summary>rms of an embedding row: the factor attention's input norm divides by.</summary>
    public float EmbeddingRms => MathF.Sqrt((Bias * Bias + CurrentScale * CurrentScale) / Hidden);

    /// <summary>r_t: n random values of unit length.</summary>
    public void TokenDirection(int token, Span<float> r)
    {
        var random = new Random(unchecked(_seed * 1_000_003 + token));
        DemoRandom.Gaussian(random, r);
        DemoRandom.Normalize(r);
    }

    /// <summary>e_t = [β, ρ·r_t, 0…].</summary>
    public void Embedding(int token, Span<float> row)
    {
        row.Clear();
        row[0] = Bias;
        Span<float> r = row.Slice(CurrentStart, CurrentDims);
        TokenDirection(token, r);
        TensorPrimitives.Multiply(r, CurrentScale, r);
    }
}
