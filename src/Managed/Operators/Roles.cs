namespace NativeInfer.Operators;

// The roles operators play. Buffers are native memory from the session's scratch arena or cache:
// [tokens][width] row-major f32 unless stated otherwise. No method allocates.

/// <summary>y = W x (+ b): x [n][In], y [n][Out].</summary>
public unsafe interface ILinearOperator
{
    int In { get; }
    int Out { get; }
    void Forward(ForwardContext ctx, float* x, int n, float* y);
}

/// <summary>RMS normalization of n rows (x may equal y).</summary>
public unsafe interface INormOperator
{
    int Dim { get; }
    void Forward(ForwardContext ctx, float* x, int n, float* y);
}

/// <summary>Token ids → rows of the embedding table.</summary>
public unsafe interface IEmbeddingOperator
{
    int Dim { get; }
    void Forward(ForwardContext ctx, int* tokens, int n, float* y);
}

/// <summary>
/// Rotates the first <see cref="Dimensions"/> values of `heads` vectors per token in place:
/// vector (t, h) starts at x + t·tokenStride + h·headStride (strides in floats), token t at
/// position ctx.StartPosition + t.
/// </summary>
public unsafe interface IRotaryOperator
{
    int Dimensions { get; }
    void Apply(ForwardContext ctx, float* x, int n, int heads, long tokenStride, long headStride);
}

/// <summary>A whole attention block of one layer: x [n][hidden] → y [n][hidden], reading and extending the cache.</summary>
public unsafe interface IAttentionOperator
{
    void Forward(ForwardContext ctx, int layer, float* x, int n, float* y);
}

/// <summary>A feed-forward block (dense MLP or MoE): x [n][hidden] → y [n][hidden].</summary>
public unsafe interface IFeedForwardOperator
{
    void Forward(ForwardContext ctx, float* x, int n, float* y);
}

/// <summary>
/// Routed experts: y[t] (+)= Σ_j weights[t][j] · expert_{ids[t][j]}(x[t]); ids/weights are [n][topK].
/// </summary>
public unsafe interface IExpertsOperator
{
    void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights, int topK, float* y, bool accumulate);
}

/// <summary>The decoder stack ("model"): token ids → final hidden states [n][hidden] (after the last norm).</summary>
public unsafe interface IDecoderStackOperator
{
    void Forward(ForwardContext ctx, int* tokens, int n, float* hidden);
}

/// <summary>Expert selection: x [n][hidden] → ids [n][TopK] and their weights [n][TopK].</summary>
public unsafe interface IRouterOperator
{
    int TopK { get; }
    void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights);
}
