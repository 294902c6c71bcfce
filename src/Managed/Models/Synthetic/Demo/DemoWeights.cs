namespace NativeInfer.Models.Synthetic.Demo;

/// <summary>
/// Constructed weights that make a synthetic model continue text the way a bigram model of a corpus does,
/// while every block of the architecture still runs on the way. In hidden units (d = hidden):
/// <list type="bullet">
/// <item><b>Embeddings.</b> e_t = [β, ρ·r_t]: dimension 0 is a constant "bias" component β, the rest a random
/// unit direction r_t scaled so that rms(e_t) = 1 (ρ² = d − β²). Random directions in d−1 dimensions are
/// nearly orthogonal (cosines ~ N(0, 1/(d−1))).</item>
/// <item><b>A lookup MLP in layer 0</b> (the dense MLP, or the shared expert of an MoE layer): one neuron
/// per token k that has a successor in the corpus. gate_k = [−αθ/β, (α/ρ)·r_k], up_k = [0, r_k/ρ], so on the
/// normalised input e_t the neuron computes silu(α(cos(k,t) − θ))·cos(k,t): ≈ α(1 − θ) for t = k and ≈ 0
/// for every other token (the β component acts as the bias an MLP does not have). Its down column
/// writes the memory m_k = κ Σ_u w(u|k)·[0, f_u] into the residual stream.</item>
/// <item><b>Successor weights.</b> w(u|k) = max(0, 1 + ln(p(u|k)/p_max(k))/L) + a bonus for the most likely
/// successor (count, then lower id), so the argmax is unambiguous and successors within a factor e^L of
/// it keep a share for sampling.</item>
/// <item><b>The head.</b> Row u is λ·[0, f_u] for tokens that ever follow another, where f_u are unit
/// directions, exactly orthonormal for the d−1 most frequent successors; other rows are −λ'·[1, 0…], which
/// the constant β component turns into a large negative logit. So logit_u ∝ w(u|t) for the current token t.</item>
/// <item><b>Everything else</b> (MLA or GQA attention, routers, routed and shared experts) keeps random
/// weights; the projections that write into the residual stream are scaled by ε, so those blocks change the
/// stream a little but do not drown the lookup.</item>
/// </list>
/// The head's rank is d, so the logits only approximate the bigram table; the most likely successors,
/// which carry the orthonormal directions, come through exactly enough for greedy decoding.
/// </summary>
internal sealed class DemoWeights : ISyntheticWeights
{
    /// <summary>β: the constant component of every embedding.</summary>
    private const float Bias = 4f;

    /// <summary>α: how sharply a lookup neuron separates its own token from the others.</summary>
    private const float GateSharpness = 30f;

    /// <summary>κ / sqrt(d): size of a memory relative to the embedding it is added to.</summary>
    private const float MemoryGain = 2f;

    /// <summary>λ·sqrt(d): logit scale of the successor directions.</summary>
    private const float HeadGain = 16f;

    /// <summary>λ'·β: how far below zero tokens that never follow anything start.</summary>
    private const float NeverNextPenalty = 28f;

    /// <summary>L: successors less likely than p_max·e^-L get no weight.</summary>
    private const float LogWindow = 3f;

    private const float ArgmaxBonus = 0.25f;

    /// <summary>ε: scale of the random projections that write into the residual stream.</summary>
    public const float BlockOutputScale = 0.1f;

    /// <summary>Logit of Qwen2-MoE's shared-expert gate in layer 0 (sigmoid ≈ 1: the lookup always passes).</summary>
    private const float OpenGate = 12f;

    private readonly SyntheticModelSpec _spec;
    private readonly int _d, _seed;
    private readonly float _rho, _threshold;
    private readonly int[] _keys;
    private readonly float[][] _memories;
    private readonly Dictionary<int, float[]> _directionOf = [];

    public DemoWeights(SyntheticModelSpec spec, BigramTable bigrams, int seed)
    {
        _spec = spec;
        _d = spec.Hidden;
        _seed = seed;
        if (_d < MinimumHidden) throw new SyntheticModelException($"the demo construction needs a hidden width of at least {MinimumHidden} (got {_d}); use random weights for smaller models");
        _rho = MathF.Sqrt(_d - Bias * Bias);
        // Cosines of random directions have sd 1/sqrt(d−1); the threshold stays ~6 sd above them.
        _threshold = Math.Clamp(6f / MathF.Sqrt(_d - 1), 0.5f, 0.8f);
        _keys = bigrams.Predecessors.ToArray();
        if (_keys.Length > spec.FirstLayerFfnWidth)
            throw new SyntheticModelException($"the demo's lookup needs {_keys.Length} neurons but layer 0's MLP is {spec.FirstLayerFfnWidth} wide");

        var successors = bigrams.SuccessorFrequencies();
        float[][] directions = Directions(successors.Count, new Random(unchecked(seed * 7919 + 17)));
        for (int i = 0; i < successors.Count; i++) _directionOf[successors[i].Token] = directions[i];
        _memories = _keys.Select(k => Memory(bigrams.Successors(k))).ToArray();
    }

    /// <summary>Below this width random directions are too far from orthogonal for the lookup to separate tokens.</summary>
    public const int MinimumHidden = 64;

    /// <summary>Neurons the lookup uses (one per token with a successor).</summary>
    public int LookupNeurons => _keys.Length;

    public float[]? Values(SyntheticTensor t)
    {
        bool lookupLayer = t.Layer == 0;
        return t.Role switch
        {
            SyntheticTensorRole.Norm => Ones(t.Cols),
            SyntheticTensorRole.TokenEmbedding => Embeddings(t.Rows),
            SyntheticTensorRole.Output => Head(t.Rows),
            SyntheticTensorRole.FfnGate or SyntheticTensorRole.SharedGate when lookupLayer && IsLookup(t.Role) => LookupIn(t.Rows, gate: true),
            SyntheticTensorRole.FfnUp or SyntheticTensorRole.SharedUp when lookupLayer && IsLookup(t.Role) => LookupIn(t.Rows, gate: false),
            SyntheticTensorRole.FfnDown or SyntheticTensorRole.SharedDown when lookupLayer && IsLookup(t.Role) => LookupOut(t.Cols),
            SyntheticTensorRole.SharedExpertGate when lookupLayer && !_spec.FirstLayerIsDense => OpenSharedGate(),
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

    /// <summary>[vocab][d]: e_t = [β, ρ·r_t].</summary>
    private float[] Embeddings(long vocab)
    {
        var e = new float[vocab * _d];
        for (int t = 0; t < vocab; t++)
        {
            Span<float> row = e.AsSpan(t * _d, _d);
            row[0] = Bias;
            TokenDirection(t, row[1..]);
            for (int i = 1; i < _d; i++) row[i] *= _rho;
        }
        return e;
    }

    /// <summary>[vocab][d]: λ·[0, f_u] for tokens that follow something, −λ'·[1, 0…] for the rest.</summary>
    private float[] Head(long vocab)
    {
        var w = new float[vocab * _d];
        float gain = HeadGain / MathF.Sqrt(_d);
        for (int u = 0; u < vocab; u++)
        {
            Span<float> row = w.AsSpan(u * _d, _d);
            if (_directionOf.TryGetValue(u, out float[]? f))
                for (int i = 1; i < _d; i++) row[i] = gain * f[i - 1];
            else row[0] = -NeverNextPenalty / Bias;
        }
        return w;
    }

    /// <summary>gate or up: [width][d], one row per key neuron, zero rows after them.</summary>
    private float[] LookupIn(long width, bool gate)
    {
        var w = new float[width * _d];
        Span<float> r = stackalloc float[_d - 1];
        for (int j = 0; j < _keys.Length; j++)
        {
            Span<float> row = w.AsSpan(j * _d, _d);
            TokenDirection(_keys[j], r);
            float scale = gate ? GateSharpness / _rho : 1f / _rho;
            row[0] = gate ? -GateSharpness * _threshold / Bias : 0f;
            for (int i = 1; i < _d; i++) row[i] = scale * r[i - 1];
        }
        return w;
    }

    /// <summary>down: [d][width]; column j = m_k / (the neuron's activation on its own token).</summary>
    private float[] LookupOut(long width)
    {
        var w = new float[_d * width];
        float own = Silu(GateSharpness * (1 - _threshold));
        for (int j = 0; j < _keys.Length; j++)
            for (int i = 0; i < _d; i++) w[i * width + j] = _memories[j][i] / own;
        return w;
    }

    private float[] OpenSharedGate()
    {
        var g = new float[_d];
        g[0] = OpenGate / Bias;
        return g;
    }

    /// <summary>m_k = κ Σ_u w(u|k)·[0, f_u].</summary>
    private float[] Memory(IReadOnlyList<(int Token, int Count)> successors)
    {
        var m = new float[_d];
        float kappa = MemoryGain * MathF.Sqrt(_d);
        double max = successors[0].Count;
        for (int s = 0; s < successors.Count; s++)
        {
            float w = MathF.Max(0f, 1f + (float)Math.Log(successors[s].Count / max) / LogWindow) + (s == 0 ? ArgmaxBonus : 0f);
            float[] f = _directionOf[successors[s].Token];
            for (int i = 1; i < _d; i++) m[i] += kappa * w * f[i - 1];
        }
        return m;
    }

    /// <summary>r_t: a random unit vector of d−1 values, the same for a token however often it is asked for.</summary>
    private void TokenDirection(int token, Span<float> r)
    {
        var random = new Random(unchecked(_seed * 1_000_003 + token));
        Gaussian(random, r);
        Normalize(r);
    }

    /// <summary>
    /// n unit vectors of d−1 values: the first min(n, d−1) exactly orthonormal (Gram–Schmidt, applied twice
    /// for accuracy in float), the rest random.
    /// </summary>
    private float[][] Directions(int n, Random random)
    {
        var v = new float[n][];
        for (int i = 0; i < n; i++)
        {
            v[i] = new float[_d - 1];
            Gaussian(random, v[i]);
            if (i < _d - 1)
                for (int pass = 0; pass < 2; pass++)
                    for (int j = 0; j < i; j++)
                    {
                        float dot = System.Numerics.Tensors.TensorPrimitives.Dot<float>(v[i], v[j]);
                        for (int k = 0; k < v[i].Length; k++) v[i][k] -= dot * v[j][k];
                    }
            Normalize(v[i]);
        }
        return v;
    }

    private static void Gaussian(Random random, Span<float> values)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), angle = 2 * Math.PI * random.NextDouble();
            values[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < values.Length) values[i + 1] = (float)(radius * Math.Sin(angle));
        }
    }

    private static void Normalize(Span<float> v)
    {
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm<float>(v);
        System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
    }

    private static float Silu(float x) => x / (1 + MathF.Exp(-x));
}
