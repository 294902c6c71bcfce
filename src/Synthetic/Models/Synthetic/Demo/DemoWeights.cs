namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// Constructed weights that make a synthetic model continue text the way an n-gram model of the demo corpus
/// does, while every block of the architecture still runs on the way (see docs/synthetic-models.md):
/// <list type="bullet">
/// <item><b>Embeddings</b>: e_t = [β, ρ·r_t, 0…] with random unit directions r_t (<see cref="DemoLayout"/>).</item>
/// <item><b>Layer 0's attention</b> (DeepSeek-V2 MLA): every head attends to the previous token and copies its
/// direction into the stream (<see cref="PreviousTokenAttention"/>), so layer 0's MLP sees the last two tokens.
/// Other architectures keep random attention and see the last token only.</item>
/// <item><b>Layer 0's MLP</b> (the dense MLP, or the shared expert of an MoE layer) is a lookup table
/// (<see cref="LookupMlp"/>): for the current token b, and for the pair (a, b) when it occurs in the corpus, it
/// writes a memory m = κ Σ_u w(u)·[0, f_u] + κ·[1, 0…] into the stream, where f_u are successor directions
/// and w(u) = max(0, 1 + ln(count(u)/count(best))/L) plus a bonus for the predicted token. Pair memories are
/// <see cref="PairGain"/> times stronger, so a seen pair decides; the bonus settles ties as
/// <see cref="TokenStatistics"/> defines them.</item>
/// <item><b>The head</b>: row u is λ·[0, f_u] for tokens that follow something; the other rows are
/// −λ'·[1, 0…], which the β component and the memories' constant part turn into large negative logits.
/// f_u are exactly orthonormal for the d − 1 most frequent successors, so their logits do not interfere.</item>
/// <item><b>Everything else</b> (attention of later layers, routers, routed and shared experts) keeps random
/// weights; the projections that write into the stream are scaled by <see cref="BlockOutputScale"/>, so those
/// blocks change the stream a little but do not drown the lookup. Norm weights are 1.</item>
/// </list>
/// </summary>
internal sealed class DemoWeights : ISyntheticWeights
{
    /// <summary>Size of a token's memory relative to √d (the norm of a unit-rms stream).</summary>
    private const float MemoryGain = 2f;

    /// <summary>How much stronger a pair's memory is than a token's.</summary>
    private const float PairGain = 4f;

    /// <summary>λ·√d: logit scale of the successor directions.</summary>
    private const float HeadGain = 16f;

    /// <summary>λ'·√d: logit scale of the penalty on tokens that never follow anything.</summary>
    private const float NeverNextPenalty = 48f;

    /// <summary>L: successors less likely than the best by more than e^L get no weight.</summary>
    private const float LogWindow = 3f;

    /// <summary>Added to the predicted successor's weight; for pairs it must outweigh what the token memory can add (κ·1.25 &lt; PairGain·κ·0.5).</summary>
    private const float TokenBonus = 0.25f, PairBonus = 0.5f;

    /// <summary>Scale of the random projections that write into the residual stream.</summary>
    public const float BlockOutputScale = 0.1f;

    /// <summary>Logit of Qwen2-MoE's shared-expert gate in layer 0 (sigmoid ≈ 1: the lookup always passes).</summary>
    private const float OpenGate = 12f;

    /// <summary>Below this width random directions are too far from orthogonal for the lookup to separate tokens.</summary>
    public const int MinimumHidden = 64;

    private readonly SyntheticModelSpec _spec;
    private readonly DemoLayout _layout;
    private readonly PreviousTokenAttention? _attention;
    private readonly LookupMlp _lookup;
    private readonly Dictionary<int, float[]> _directionOf = [];

    /// <summary>
    /// The demo weights for <paramref name="spec"/>, with layer 0's MLP (or shared expert) widened to hold the
    /// lookup when it is too narrow: one neuron per key, rounded up to 256 so every block size fits the rows.
    /// </summary>
    public static (SyntheticModelSpec Spec, DemoWeights Weights) Build(SyntheticModelSpec spec, TokenStatistics statistics, int seed)
    {
        if (spec.Hidden < MinimumHidden)
            throw new SyntheticModelException($"the demo construction needs a hidden width of at least {MinimumHidden} (got {spec.Hidden}); use random weights for smaller models");
        int keys = statistics.Predecessors.Count + (PreviousTokenCapacity(spec) is null ? 0 : statistics.PredecessorPairs.Count);
        int width = (keys + 255) / 256 * 256;
        if (spec.FirstLayerFfnWidth < width) spec = spec.WithFirstLayerFfnWidth(width);
        return (spec, new DemoWeights(spec, statistics, seed));
    }

    /// <summary>Values layer 0's attention can copy from the previous token: DeepSeek-V2 MLA without q-LoRA only (null otherwise).</summary>
    private static int? PreviousTokenCapacity(SyntheticModelSpec spec) =>
        spec is DeepseekV2SyntheticSpec { QLoraRank: null, RopeHeadDim: >= 2 } ds ? Math.Min(ds.KvLoraRank, ds.Heads * ds.VHeadDim) : null;

    private DemoWeights(SyntheticModelSpec spec, TokenStatistics statistics, int seed)
    {
        _spec = spec;
        int d = spec.Hidden;
        int? capacity = PreviousTokenCapacity(spec);
        _layout = new DemoLayout(d, capacity, seed);
        if (capacity is not null) _attention = new PreviousTokenAttention((DeepseekV2SyntheticSpec)spec, _layout);

        var successors = statistics.SuccessorFrequencies();
        float[][] directions = DemoRandom.Directions(successors.Count, d - 1, new Random(unchecked(seed * 7919 + 17)));
        for (int i = 0; i < successors.Count; i++) _directionOf[successors[i].Token] = directions[i];

        IReadOnlyList<int> tokens = statistics.Predecessors;
        IReadOnlyList<(int, int)> pairs = _layout.HasPrevious ? statistics.PredecessorPairs : [];
        float kappa = MemoryGain * MathF.Sqrt(d);
        var memories = tokens.Select(b => Memory(statistics.Successors(b), kappa, TokenBonus))
            .Concat(pairs.Select(p => Memory(statistics.Successors(p.Item1, p.Item2), PairGain * kappa, PairBonus)))
            .ToArray();
        _lookup = new LookupMlp(_layout, tokens, pairs, memories);
    }

    /// <summary>Neurons the lookup uses: one per token with a successor, plus one per such pair in trigram models.</summary>
    public int LookupNeurons => _lookup.Neurons;

    /// <summary>Whether layer 0's attention feeds the previous token to the lookup (trigram model).</summary>
    public bool UsesPreviousToken => _layout.HasPrevious;

    public float[]? Values(SyntheticTensor t)
    {
        if (t.Layer == 0 && _attention?.Values(t) is { } attention) return attention;
        bool lookup = t.Layer == 0 && IsLookup(t.Role);
        return t.Role switch
        {
            SyntheticTensorRole.Norm => Ones(t.Cols),
            SyntheticTensorRole.TokenEmbedding => Embeddings(t.Rows),
            SyntheticTensorRole.Output => Head(t.Rows),
            SyntheticTensorRole.FfnGate or SyntheticTensorRole.SharedGate when lookup => _lookup.Input(t.Rows, gate: true),
            SyntheticTensorRole.FfnUp or SyntheticTensorRole.SharedUp when lookup => _lookup.Input(t.Rows, gate: false),
            SyntheticTensorRole.FfnDown or SyntheticTensorRole.SharedDown when lookup => _lookup.Output(t.Cols),
            SyntheticTensorRole.SharedExpertGate when t.Layer == 0 && !_spec.FirstLayerIsDense => OpenSharedGate(),
            _ => null,
        };
    }

    public float RandomScale(SyntheticTensor t) => t.Role switch
    {
        SyntheticTensorRole.AttentionOutput or SyntheticTensorRole.FfnDown or SyntheticTensorRole.ExpertDown or SyntheticTensorRole.SharedDown => BlockOutputScale,
        _ => 1f,
    };

    private bool IsLookup(SyntheticTensorRole role) => _spec.FirstLayerIsDense
        ? role is SyntheticTensorRole.FfnGate or SyntheticTensorRole.FfnUp or SyntheticTensorRole.FfnDown
        : role is SyntheticTensorRole.SharedGate or SyntheticTensorRole.SharedUp or SyntheticTensorRole.SharedDown;

    private static float[] Ones(long n)
    {
        var v = new float[n];
        Array.Fill(v, 1f);
        return v;
    }

    private float[] Embeddings(long vocab)
    {
        int d = _layout.Hidden;
        var e = new float[vocab * d];
        for (int t = 0; t < vocab; t++) _layout.Embedding(t, e.AsSpan(t * d, d));
        return e;
    }

    /// <summary>[vocab][d]: λ·[0, f_u] for tokens that follow something, −λ'·[1, 0…] for the rest.</summary>
    private float[] Head(long vocab)
    {
        int d = _layout.Hidden;
        var w = new float[vocab * d];
        float gain = HeadGain / MathF.Sqrt(d);
        for (int u = 0; u < vocab; u++)
        {
            Span<float> row = w.AsSpan(u * d, d);
            if (_directionOf.TryGetValue(u, out float[]? f))
                for (int i = 1; i < d; i++) row[i] = gain * f[i - 1];
            else row[0] = -NeverNextPenalty / MathF.Sqrt(d);
        }
        return w;
    }

    private float[] OpenSharedGate()
    {
        var g = new float[_layout.Hidden];
        g[0] = OpenGate / DemoLayout.Bias;
        return g;
    }

    /// <summary>κ·[1, Σ_u w(u)·f_u]: successors in prediction order, the first one gets the bonus.</summary>
    private float[] Memory(IReadOnlyList<(int Token, int Count)> successors, float kappa, float bonus)
    {
        var m = new float[_layout.Hidden];
        m[0] = kappa;
        double best = successors[0].Count;
        for (int s = 0; s < successors.Count; s++)
        {
            float w = MathF.Max(0f, 1f + (float)Math.Log(successors[s].Count / best) / LogWindow) + (s == 0 ? bonus : 0f);
            float[] f = _directionOf[successors[s].Token];
            for (int i = 1; i < m.Length; i++) m[i] += kappa * w * f[i - 1];
        }
        return m;
    }
}
