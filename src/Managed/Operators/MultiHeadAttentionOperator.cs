using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>
/// Multi-head / grouped-query attention (Qwen2/3, Llama, Mixtral): q, k, v projections (with bias when
/// the model has it), per-head RMSNorm of q and k when the model has it (Qwen3), RoPE on q and k, the cache row [K heads | V heads], softmax(q·kᵀ/√d) over the visible
/// positions, o_proj. Queries are regrouped per KV head ([g][t][j]) so one batched product covers
/// every head for any number of tokens.
/// </summary>
[Operator("MultiHeadAttention", Aliases = ["ktransformers.operators.balance_serve_attention.KQwen2MoeAttention",
                                        "ktransformers.operators.balance_serve_attention.KQwen3MoeAttention"],
          Modules = [typeof(MultiHeadAttention)], IsDefault = true)]
public sealed unsafe class MultiHeadAttentionOperator : InjectedOperator, IAttentionOperator
{
    private readonly MultiHeadAttention _attn;
    private readonly int _h, _kvh, _d, _dv, _group;
    private readonly float _scale;
    private ILinearOperator _q = null!, _k = null!, _v = null!, _o = null!;
    private IRotaryOperator _rope = null!;
    private INormOperator? _qNorm, _kNorm;

    public MultiHeadAttentionOperator(OperatorContext context) : base(context)
    {
        _attn = context.Module as MultiHeadAttention
                ?? throw new ModelLoadException($"{Key}: MultiHeadAttentionOperator needs a multi-head attention module, got {context.Module.ClassName}");
        var a = context.Config.Attention;
        (_h, _kvh, _d, _dv) = (a.NumHeads, a.NumKvHeads, a.HeadDim, a.ValueHeadDim);
        _group = _h / _kvh;
        _scale = 1f / MathF.Sqrt(_d);
    }

    /// <summary>Score rows (tokens × heads) per chunk of a prefill: a chunk's scores stay in L2.</summary>
    private const int QueryRowsPerChunk = 512;

    public override void Bind(OperatorBinder binder)
    {
        _q = binder.OperatorFor<ILinearOperator>(_attn.QProj);
        _k = binder.OperatorFor<ILinearOperator>(_attn.KProj);
        _v = binder.OperatorFor<ILinearOperator>(_attn.VProj);
        _o = binder.OperatorFor<ILinearOperator>(_attn.OProj);
        _rope = binder.OperatorFor<IRotaryOperator>(_attn.RotaryEmb);
        if (_attn.QNorm is { } qn) _qNorm = binder.OperatorFor<INormOperator>(qn);
        if (_attn.KNorm is { } kn) _kNorm = binder.OperatorFor<INormOperator>(kn);
    }

    public void Forward(ForwardContext ctx, int layer, float* x, int n, float* y)
    {
        KvCache cache = ctx.Cache;
        int total = ctx.TotalLength, kvWidth = _kvh * _d;
        float* q = ctx.Scratch.Alloc<float>((long)n * _h * _d);
        float* k = ctx.Scratch.Alloc<float>((long)n * kvWidth);
        float* v = ctx.Scratch.Alloc<float>((long)n * _kvh * _dv);
        _q.Forward(ctx, x, n, q);
        _k.Forward(ctx, x, n, k);
        _v.Forward(ctx, x, n, v);
        // Per-head norms: the heads of all tokens are consecutive rows of d values.
        _qNorm?.Forward(ctx, q, n * _h, q);
        _kNorm?.Forward(ctx, k, n * _kvh, k);
        _rope.Apply(ctx, q, n, _h, (long)_h * _d, _d);
        _rope.Apply(ctx, k, n, _kvh, kvWidth, _d);
        for (int t = 0; t < n; t++)
        {
            cache.Write(layer, ctx.StartPosition + t, 0, new ReadOnlySpan<float>(k + (long)t * kvWidth, kvWidth));
            cache.Write(layer, ctx.StartPosition + t, kvWidth, new ReadOnlySpan<float>(v + (long)t * _kvh * _dv, _kvh * _dv));
        }

        // Queries regrouped as [g][t][j][d] (head = g·group + j).
        int rowsPerGroup = n * _group;
        float* qg = ctx.Scratch.Alloc<float>((long)n * _h * _d);
        for (int g = 0; g < _kvh; g++)
            for (int t = 0; t < n; t++)
                new ReadOnlySpan<float>(q + ((long)t * _h + g * _group) * _d, _group * _d)
                    .CopyTo(new Span<float>(qg + ((long)g * rowsPerGroup + t * _group) * _d, _group * _d));

        // Scores [g][t][j][visible] against head g's keys, softmax per (t, j) with the causal mask, then
        // og[g][t][j][dv] = P · V_g — by chunks of query tokens, each against only the keys its last token
        // can see (a prompt's token t sees start + t + 1 of them; scoring all `total` for every token did
        // twice the work at long prompts, the masked half zeroed). Every score is the same dot product and
        // every output the same sum in the same order (masked terms added exact zeros), so nothing changes.
        float* og = ctx.Scratch.Alloc<float>((long)n * _h * _dv);
        nuint elem = (nuint)cache.ElementBytes;
        int chunk = Math.Max(1, QueryRowsPerChunk / _h);
        float* s = ctx.Scratch.Alloc<float>((long)Math.Min(n, chunk) * _h * total);
        for (int t0 = 0; t0 < n; t0 += chunk)
        {
            int m = Math.Min(chunk, n - t0), visible = ctx.StartPosition + t0 + m, chunkRows = m * _group;
            ctx.Pool.MatMulBatched(NiMatMulMode.WTransposed, cache.Type, cache.Row(layer, 0), (nuint)cache.RowBytes, (nuint)_d * elem,
                qg + (long)t0 * _group * _d, (nuint)(_d * 4), (nuint)(rowsPerGroup * _d * 4), s, (nuint)(visible * 4), (nuint)(chunkRows * visible * 4),
                _kvh, chunkRows, visible, _d);
            for (int g = 0; g < _kvh; g++)
                AttentionMath.CausalSoftmax(s + (long)g * chunkRows * visible, m, _group, visible, visible, ctx.StartPosition + t0, _scale);
            ctx.Pool.MatMulBatched(NiMatMulMode.WRows, cache.Type, cache.Row(layer, 0) + (long)kvWidth * cache.ElementBytes, (nuint)cache.RowBytes,
                (nuint)_dv * elem, s, (nuint)(visible * 4), (nuint)(chunkRows * visible * 4), og + (long)t0 * _group * _dv, (nuint)(_dv * 4),
                (nuint)(rowsPerGroup * _dv * 4), _kvh, chunkRows, visible, _dv);
        }
        float* o = ctx.Scratch.Alloc<float>((long)n * _h * _dv);
        for (int g = 0; g < _kvh; g++)
            for (int t = 0; t < n; t++)
                new ReadOnlySpan<float>(og + ((long)g * rowsPerGroup + t * _group) * _dv, _group * _dv)
                    .CopyTo(new Span<float>(o + ((long)t * _h + g * _group) * _dv, _group * _dv));
        _o.Forward(ctx, o, n, y);
    }
}
