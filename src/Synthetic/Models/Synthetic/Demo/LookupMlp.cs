using NativeInfer.Tensors;
namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// Layer 0's MLP as a lookup table from context to memory (a SwiGLU MLP: down(silu(gate·x) ⊙ up·x), no biases;
/// the β component of the stream stands in for them). One neuron per key:
/// <list type="bullet">
/// <item>a token b that has successors: gate = α·[−θ/β, r_b/ρ, 0], up = [0, r_b/ρ, 0], so the neuron computes
/// silu(α(cos(r_b, r_t) − θ))·cos(r_b, r_t): ≈ α(1 − θ) when the current token is b, ≈ 0 otherwise;</item>
/// <item>(trigram models) a pair (a, b) that has successors: the same with the previous-token dimensions added,
/// gate = α·[−(1 + θ)/β, r_b/ρ, r_a/σ], up = ½·[0, r_b/ρ, r_a/σ]: it needs both cosines near 1.</item>
/// </list>
/// Down column k is the key's memory divided by its neuron's activation on its own context, so a matching
/// context writes exactly the memory into the stream. Neurons past the keys are zero.
/// </summary>
internal sealed class LookupMlp
{
    /// <summary>α: how sharply a neuron separates its own context from others.</summary>
    private const float Sharpness = 30f;

    private readonly DemoLayout _layout;
    private readonly IReadOnlyList<int> _tokens;
    private readonly IReadOnlyList<(int First, int Second)> _pairs;
    private readonly IReadOnlyList<float[]> _memories; // tokens' then pairs', d values each

    public LookupMlp(DemoLayout layout, IReadOnlyList<int> tokens, IReadOnlyList<(int, int)> pairs, IReadOnlyList<float[]> memories)
    {
        _layout = layout;
        _tokens = tokens;
        _pairs = pairs;
        _memories = memories;
    }

    public int Neurons => _tokens.Count + _pairs.Count;

    /// <summary>gate or up: [width][d].</summary>
    public float[] Input(long width, bool gate)
    {
        int d = _layout.Hidden, n = _layout.CurrentDims;
        if (Neurons > width) throw new SyntheticModelException($"the demo's lookup needs {Neurons} neurons but layer 0's MLP is {width} wide");
        var w = new float[width * d];
        float theta = _layout.MatchThreshold;
        Span<float> r = stackalloc float[n];
        for (int k = 0; k < Neurons; k++)
        {
            Span<float> row = w.AsSpan(k * d, d);
            bool pair = k >= _tokens.Count;
            int current = pair ? _pairs[k - _tokens.Count].Second : _tokens[k];
            float half = pair && !gate ? 0.5f : 1f, a = gate ? Sharpness : 1f;
            if (gate) row[0] = -Sharpness * (pair ? 1 + theta : theta) / DemoLayout.Bias;
            _layout.TokenDirection(current, r);
            for (int j = 0; j < n; j++) row[DemoLayout.CurrentStart + j] = a * half * r[j] / _layout.CurrentScale;
            if (!pair) continue;
            _layout.TokenDirection(_pairs[k - _tokens.Count].First, r);
            for (int j = 0; j < n; j++) row[_layout.PreviousStart + j] = a * half * r[j] / _layout.PreviousScale;
        }
        return w;
    }

    /// <summary>down: [d][width].</summary>
    public float[] Output(long width)
    {
        int d = _layout.Hidden;
        var w = new float[d * width];
        float theta = _layout.MatchThreshold;
        float ownToken = Activations.Silu(Sharpness * (1 - theta)), ownPair = Activations.Silu(Sharpness * (2 - (1 + theta)));
        for (int k = 0; k < Neurons; k++)
        {
            float own = k < _tokens.Count ? ownToken : ownPair;
            for (int i = 0; i < d; i++) w[i * width + k] = _memories[k][i] / own;
        }
        return w;
    }
}
