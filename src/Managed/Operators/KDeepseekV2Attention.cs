using NativeInfer.Config;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Tensors;

namespace NativeInfer.Operators;

/// <summary>Options a rule can set on <see cref="KDeepseekV2Attention"/>.</summary>
public sealed class DeepseekV2AttentionOptions : IExplainNote
{
    /// <summary>
    /// Prefill in the absorbed (latent) form like decode (the default), instead of expanding K and V per
    /// head from the cached latent (false). KTransformers' kwarg of the same name. Absorbed, a token's
    /// attention is computed exactly as a decode step computes it, so logits do not depend on how a prompt
    /// was batched — what makes seeded replies reproducible whatever a session's cache held
    /// (docs/generation.md). Expanded is faster for long prompts (docs/benchmarks.md) and gives that up.
    /// </summary>
    [Kwarg("absorb_for_prefill")]
    public bool AbsorbForPrefill { get; set; } = true;

    public string? Note => AbsorbForPrefill ? null : "expanded prefill: logits depend on how the prompt is batched";
}

/// <summary>
/// DeepSeek-V2 / V3 multi-head latent attention (design doc §5). The cache holds only [c | rope(k_pe)]
/// per token (kv_lora_rank + qk_rope values). Decode runs absorbed:
///   q_lat[h] = W_UK[h]ᵀ q_nope[h]            (W_ROWS on the quantized kv_b rows, batched over heads)
///   s[h, τ] = scale·(q_lat[h]·c[τ] + q_pe[h]·k_pe[τ])   (one matmul of [q_lat | q_pe] against the cache)
///   o_lat[h] = Σ_τ softmax(s)[h, τ]·c[τ]      (W_ROWS over the cache)
///   o[h] = W_UV[h] o_lat[h];  out = W_o concat_h o[h]
/// Prefill runs the same way when absorb_for_prefill is set; otherwise it expands k_nope and v for
/// every cached token (W_UK c, W_UV c) and runs ordinary attention, as llama.cpp does without MLA.
/// scale = m²/√(d_n + d_r), m = 1 + 0.1·mscale_all_dim·ln(factor) under YaRN.
/// </summary>
[Operator("KDeepseekV2Attention", Aliases = ["ktransformers.operators.attention.KDeepseekV2Attention", "ktransformers.operators.balance_serve_attention.flashinfer_attn"],
          Modules = [typeof(LatentAttention)], Options = typeof(DeepseekV2AttentionOptions), IsDefault = true)]
public sealed unsafe class KDeepseekV2Attention : InjectedOperator, IAttentionOperator
{
    private readonly LatentAttention _attn;
    private readonly DeepseekV2AttentionOptions _options;
    private readonly int _h, _dn, _dr, _dv, _r, _hidden;
    private readonly float _scale;
    private ILinearOperator? _qProj, _qA, _qB, _kvA, _oProj;
    private INormOperator? _qANorm, _kvANorm;
    private IRotaryOperator _rope = null!;
    private WeightTensor _kvB, _kB, _vB;
    private bool _split;

    public KDeepseekV2Attention(OperatorContext context) : base(context)
    {
        _attn = context.Module as LatentAttention
                ?? throw new ModelLoadException($"{Key}: KDeepseekV2Attention needs a latent attention module (DeepseekV2Attention, DeepseekV3Attention), got {context.Module.ClassName}");
        _options = context.OptionsAs<DeepseekV2AttentionOptions>();
        AttentionConfig a = context.Config.Attention;
        (_h, _dn, _dr, _dv, _r, _hidden) = (a.NumHeads, a.QkNopeHeadDim, a.QkRopeHeadDim, a.VHeadDim, a.KvLoraRank, context.Config.HiddenSize);
        float m = 1f;
        if (context.Config.Rope.Scaling is { Type: RopeScalingType.Yarn } y)
            m = Yarn.MScale(y.Factor, y.MScaleAllDim);
        _scale = m * m / MathF.Sqrt(_dn + _dr);
    }

    /// <summary>Score rows (tokens × heads) per chunk of an absorbed prefill: a chunk's scores stay in L2.</summary>
    private const int QueryRowsPerChunk = 512;

    /// <summary>The softmax scale in use (tests compare it with the formula).</summary>
    public float Scale => _scale;

    public override void Bind(OperatorBinder binder)
    {
        if (_attn.QProj is { } q) _qProj = binder.OperatorFor<ILinearOperator>(q);
        else
        {
            _qA = binder.OperatorFor<ILinearOperator>(_attn.QAProj!);
            _qANorm = binder.OperatorFor<INormOperator>(_attn.QALayerNorm!);
            _qB = binder.OperatorFor<ILinearOperator>(_attn.QBProj!);
        }
        _kvA = binder.OperatorFor<ILinearOperator>(_attn.KvAProjWithMqa);
        _kvANorm = binder.OperatorFor<INormOperator>(_attn.KvALayerNorm);
        _oProj = binder.OperatorFor<ILinearOperator>(_attn.OProj);
        _rope = binder.OperatorFor<IRotaryOperator>(_attn.RotaryEmb);
        var (layout, tensors) = binder.TensorsOrAlternative(_attn.KvBProj, _attn.KvBProj.Weights[0]);
        _split = layout == 1;
        if (_split) (_kB, _vB) = (tensors[0], tensors[1]);
        else _kvB = tensors[0];
    }

    public void Forward(ForwardContext ctx, int layer, float* x, int n, float* y)
    {
        KvCache cache = ctx.Cache;
        int qw = _dn + _dr;  // per-head query width

        // 1. Queries [n][H][d_n + d_r].
        float* q = ctx.Scratch.Alloc<float>((long)n * _h * qw);
        if (_qProj is not null) _qProj.Forward(ctx, x, n, q);
        else
        {
            float* qa = ctx.Scratch.Alloc<float>((long)n * _qA!.Out);
            _qA.Forward(ctx, x, n, qa);
            _qANorm!.Forward(ctx, qa, n, qa);
            _qB!.Forward(ctx, qa, n, q);
        }

        // 2. Latent and shared rope key [n][r + d_r]: normalize c, rotate k_pe, append to the cache.
        float* kva = ctx.Scratch.Alloc<float>((long)n * (_r + _dr));
        _kvA!.Forward(ctx, x, n, kva);
        for (int t = 0; t < n; t++) _kvANorm!.Forward(ctx, kva + (long)t * (_r + _dr), 1, kva + (long)t * (_r + _dr));
        _rope.Apply(ctx, kva + _r, n, 1, _r + _dr, 0);
        for (int t = 0; t < n; t++)
            cache.Write(layer, ctx.StartPosition + t, 0, new ReadOnlySpan<float>(kva + (long)t * (_r + _dr), _r + _dr));
        _rope.Apply(ctx, q + _dn, n, _h, (long)_h * qw, qw);

        float* o = ctx.Scratch.Alloc<float>((long)n * _h * _dv);
        if (n == 1 || _options.AbsorbForPrefill) Absorbed(ctx, layer, q, n, o);
        else Expanded(ctx, layer, q, n, o);
        _oProj!.Forward(ctx, o, n, y);
    }

    private void Absorbed(ForwardContext ctx, int layer, float* q, int n, float* o)
    {
        KvCache cache = ctx.Cache;
        int qw = _dn + _dr, cw = _r + _dr, total = ctx.TotalLength;
        KernelsView k = new(ctx);

        // q_cat [n][H][r + d_r] = [W_UK[h]ᵀ q_nope | q_pe]
        float* qcat = ctx.Scratch.Alloc<float>((long)n * _h * cw);
        if (_split)  // k_b[h] is W_UK[h]ᵀ: rows r, columns d_n
            k.Batched(NiMatMulMode.WTransposed, _kB, _kB.RowBytes * _r, q, (long)_h * qw, qw, qcat, (long)_h * cw, cw, _h, n, _r, _dn);
        else  // kv_b rows h·(d_n+d_v) … +d_n are W_UK[h]: weighted sum of those rows by q_nope
            k.Batched(NiMatMulMode.WRows, _kvB, _kvB.RowBytes * (_dn + _dv), q, (long)_h * qw, qw, qcat, (long)_h * cw, cw, _h, n, _dn, _r);
        for (int t = 0; t < n; t++)
            for (int h = 0; h < _h; h++)
                new ReadOnlySpan<float>(q + ((long)t * _h + h) * qw + _dn, _dr).CopyTo(new Span<float>(qcat + ((long)t * _h + h) * cw + _r, _dr));

        // Scores against the cached [c | k_pe] rows, softmax, o_lat [n·H][r] = P · C — by chunks of query
        // tokens, each against only the keys its last token can see: a prompt's token t sees start + t + 1
        // keys, so scoring all of them for every token did twice the work at 512 tokens (half of it masked
        // to zero). Every score is the same dot product and every o_lat element the same sum in the same
        // order (the masked terms added exact zeros), so the result does not change.
        float* olat = ctx.Scratch.Alloc<float>((long)n * _h * _r);
        int chunk = Math.Max(1, QueryRowsPerChunk / _h);
        float* s = ctx.Scratch.Alloc<float>((long)Math.Min(n, chunk) * _h * total);
        for (int t0 = 0; t0 < n; t0 += chunk)
        {
            int m = Math.Min(chunk, n - t0), visible = ctx.StartPosition + t0 + m;
            ctx.Pool.MatMul(cache.Type, cache.Row(layer, 0), (nuint)cache.RowBytes, qcat + (long)t0 * _h * cw, (nuint)(cw * 4), s, (nuint)(visible * 4),
                m * _h, visible, cw);
            AttentionMath.CausalSoftmax(s, m, _h, visible, visible, ctx.StartPosition + t0, _scale);
            ctx.Pool.MatMulBatched(NiMatMulMode.WRows, cache.Type, cache.Row(layer, 0), (nuint)cache.RowBytes, 0, s, (nuint)(visible * 4), 0,
                olat + (long)t0 * _h * _r, (nuint)(_r * 4), 0, 1, m * _h, visible, _r);
        }

        // o[t][h] = W_UV[h] o_lat[t][h]
        if (_split)
            k.Batched(NiMatMulMode.WTransposed, _vB, _vB.RowBytes * _dv, olat, (long)_h * _r, _r, o, (long)_h * _dv, _dv, _h, n, _dv, _r);
        else
            k.Batched(NiMatMulMode.WTransposed, _kvB, _kvB.RowBytes * (_dn + _dv), olat, (long)_h * _r, _r, o, (long)_h * _dv, _dv, _h, n, _dv, _r,
                wOffsetRows: _dn);
    }

    private void Expanded(ForwardContext ctx, int layer, float* q, int n, float* o)
    {
        KvCache cache = ctx.Cache;
        int qw = _dn + _dr, cw = _r + _dr, total = ctx.TotalLength;
        KernelsView k = new(ctx);

        // The cached latent and rope key as f32 [total][r + d_r].
        float* c = ctx.Scratch.Alloc<float>((long)total * cw);
        ctx.Pool.DequantizeRows(cache.Type, cache.Row(layer, 0), (nuint)cache.RowBytes, c, (nuint)(cw * 4), total, cw);

        // K [total][H][d_n + d_r] = [W_UK[h] c | k_pe];  V [total][H][d_v] = W_UV[h] c
        float* kf = ctx.Scratch.Alloc<float>((long)total * _h * qw);
        float* v = ctx.Scratch.Alloc<float>((long)total * _h * _dv);
        if (_split)
        {
            // k_b[h] holds W_UK[h]ᵀ (r rows × d_n): k_nope = c · k_b[h] is a weighted sum of its rows.
            k.Batched(NiMatMulMode.WRows, _kB, _kB.RowBytes * _r, c, cw, 0, kf, (long)_h * qw, qw, _h, total, _r, _dn);
            k.Batched(NiMatMulMode.WTransposed, _vB, _vB.RowBytes * _dv, c, cw, 0, v, (long)_h * _dv, _dv, _h, total, _dv, _r);
        }
        else
        {
            k.Batched(NiMatMulMode.WTransposed, _kvB, _kvB.RowBytes * (_dn + _dv), c, cw, 0, kf, (long)_h * qw, qw, _h, total, _dn, _r);
            k.Batched(NiMatMulMode.WTransposed, _kvB, _kvB.RowBytes * (_dn + _dv), c, cw, 0, v, (long)_h * _dv, _dv, _h, total, _dv, _r,
                wOffsetRows: _dn);
        }
        for (int tau = 0; tau < total; tau++)
            for (int h = 0; h < _h; h++)
                new ReadOnlySpan<float>(c + (long)tau * cw + _r, _dr).CopyTo(new Span<float>(kf + ((long)tau * _h + h) * qw + _dn, _dr));

        // scores [n][H][total] per head, softmax, then O = P · V per head
        float* s = ctx.Scratch.Alloc<float>((long)n * _h * total);
        ctx.Pool.MatMulBatched(NiMatMulMode.WTransposed, NiType.F32, kf, (nuint)(_h * qw * 4), (nuint)(qw * 4), q, (nuint)(_h * qw * 4),
            (nuint)(qw * 4), s, (nuint)(_h * total * 4), (nuint)(total * 4), _h, n, total, qw);
        AttentionMath.CausalSoftmax(s, n, _h, total, total, ctx.StartPosition, _scale);
        ctx.Pool.MatMulBatched(NiMatMulMode.WRows, NiType.F32, v, (nuint)(_h * _dv * 4), (nuint)(_dv * 4), s, (nuint)(_h * total * 4),
            (nuint)(total * 4), o, (nuint)(_h * _dv * 4), (nuint)(_dv * 4), _h, n, total, _dv);
    }

    /// <summary>Batched products over heads with float strides (in values) and a weight tensor's rows.</summary>
    private readonly struct KernelsView(ForwardContext ctx)
    {
        public void Batched(NiMatMulMode mode, WeightTensor w, long wBatchBytes, float* x, long xRow, long xBatch, float* y, long yRow,
                            long yBatch, int batch, int n, int m, int k, int wOffsetRows = 0) =>
            ctx.Pool.MatMulBatched(mode, w.Type, w.RowPointer(wOffsetRows), (nuint)w.RowBytes, (nuint)wBatchBytes, x, (nuint)(xRow * 4),
                (nuint)(xBatch * 4), y, (nuint)(yRow * 4), (nuint)(yBatch * 4), batch, n, m, k);
    }
}
