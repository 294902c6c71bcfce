using ILGPU;
using ILGPU.Runtime;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Absorbed multi-head latent attention over the latent cache, as KDeepseekV2Attention's decode path computes
/// it:
///   q_lat[h] = W_UK[h]ᵀ q_nope[h];  s[h, τ] = scale · ([q_lat[h] | q_pe[h]] · [c[τ] | k_pe[τ]]);
///   p = causal softmax_τ(s) (exact exp);  o_lat[h] = Σ_τ p[h, τ] c[τ];  o[h] = W_UV[h] o_lat[h].
/// q must already be rotated and the cache must already hold this pass's rows (positions up to
/// start + tokens − 1). kv_b is f16 on the device in GGUF's attn_kv_b orientation ([H][d_n + d_v][r]; a file
/// with split attn_k_b / attn_v_b is rearranged into it at load). Scratch (q_cat, scores, o_lat) is the
/// caller's, sized by <see cref="ScratchFloats"/>.
/// </summary>
public sealed class MlaAttention
{
    private readonly KernelShape _shape;
    private readonly CausalSoftmaxKernel _softmax;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, MlaShape> _absorb;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, MlaShape, int, int> _scores;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, MlaShape, int, int> _value;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, MlaShape> _output;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, MlaShape> _absorbF32, _outputF32;

    public MlaAttention(Accelerator accelerator, KernelShape shape, CausalSoftmaxKernel softmax)
    {
        _shape = shape;
        _softmax = softmax;
        _absorb = accelerator.LoadKernel<ArrayView<float>, ArrayView<ushort>, ArrayView<float>, MlaShape>(MlaAttentionKernels.AbsorbQuery);
        _scores = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, MlaShape, int, int>(MlaAttentionKernels.Scores);
        _value = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, MlaShape, int, int>(MlaAttentionKernels.LatentValue);
        _output = accelerator.LoadKernel<ArrayView<float>, ArrayView<ushort>, ArrayView<float>, MlaShape>(MlaAttentionKernels.Output);
        _absorbF32 = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, MlaShape>(MlaAttentionKernels.AbsorbQueryF32);
        _outputF32 = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, MlaShape>(MlaAttentionKernels.OutputF32);
    }

    /// <summary>Scratch floats for <paramref name="tokens"/> tokens attending to <paramref name="total"/> positions.</summary>
    public static long ScratchFloats(MlaShape s, int tokens, int total) =>
        (long)tokens * s.Heads * (s.Rank + s.Rope + total + s.Rank);

    /// <summary>
    /// o [tokens][H][d_v] from q [tokens][H][d_n + d_r], kv_b, and cache rows [0, start + tokens).
    /// </summary>
    public void Launch(AcceleratorStream stream, MlaShape s, ArrayView<float> q, ArrayView<ushort> kvB, ArrayView<float> cache,
                       int tokens, int startPosition, float scale, ArrayView<float> scratch, ArrayView<float> output)
    {
        Check(s, q, kvB.Length, cache, tokens, startPosition, scratch, output);
        long rows = (long)tokens * s.Heads;
        var (qcat, latent) = Views(s, tokens, startPosition, scratch);
        _absorb(stream, _shape.Groups(rows), q, kvB, qcat, s);
        Attend(stream, s, qcat, cache, tokens, startPosition, scale, scratch, latent);
        _output(stream, _shape.Groups(rows * s.Value), latent, kvB, output, s);
    }

    /// <summary>The same with kv_b in f32 ([H][d_n + d_v][r]), for a model run with f32 weights.</summary>
    public void Launch(AcceleratorStream stream, MlaShape s, ArrayView<float> q, ArrayView<float> kvB, ArrayView<float> cache,
                       int tokens, int startPosition, float scale, ArrayView<float> scratch, ArrayView<float> output)
    {
        Check(s, q, kvB.Length, cache, tokens, startPosition, scratch, output);
        long rows = (long)tokens * s.Heads;
        var (qcat, latent) = Views(s, tokens, startPosition, scratch);
        _absorbF32(stream, _shape.Groups(rows), q, kvB, qcat, s);
        Attend(stream, s, qcat, cache, tokens, startPosition, scale, scratch, latent);
        _outputF32(stream, _shape.Groups(rows * s.Value), latent, kvB, output, s);
    }

    private static void Check(MlaShape s, ArrayView<float> q, long kvBLength, ArrayView<float> cache, int tokens, int startPosition,
                              ArrayView<float> scratch, ArrayView<float> output)
    {
        ViewChecks.Positive(s.Heads, "Heads");
        ViewChecks.Positive(s.Nope, "Nope");
        ViewChecks.Positive(s.Rope, "Rope");
        ViewChecks.Positive(s.Value, "Value");
        ViewChecks.Positive(s.Rank, "Rank");
        ViewChecks.AtLeast(s.CacheStride, s.Rank + s.Rope, "CacheStride");
        ViewChecks.Positive(tokens, nameof(tokens));
        ViewChecks.AtLeast(startPosition, 0, nameof(startPosition));
        int total = startPosition + tokens;
        long rows = (long)tokens * s.Heads;
        ViewChecks.Require(q, rows * (s.Nope + s.Rope), nameof(q), $"[{tokens}][{s.Heads}][{s.Nope + s.Rope}]");
        if (kvBLength < (long)s.Heads * (s.Nope + s.Value) * s.Rank)
            throw new ArgumentException($"kvB holds {kvBLength} values but [{s.Heads}][{s.Nope + s.Value}][{s.Rank}] needs {(long)s.Heads * (s.Nope + s.Value) * s.Rank}", "kvB");
        ViewChecks.Require(cache, ViewChecks.Span(total, s.CacheStride, s.Rank + s.Rope), nameof(cache),
            $"{total} rows of {s.Rank + s.Rope}, {s.CacheStride} apart");
        ViewChecks.Require(scratch, ScratchFloats(s, tokens, total), nameof(scratch), $"ScratchFloats({tokens} tokens, {total} positions)");
        ViewChecks.Require(output, rows * s.Value, nameof(output), $"[{tokens}][{s.Heads}][{s.Value}]");
    }

    // Scratch = [q_cat: rows × (r + d_r)] [scores: rows × total] [o_lat: rows × r]; the kv_b steps (f16 or f32) are
    // called by each Launch directly, so a decode step allocates no delegate.
    private static (ArrayView<float> QCat, ArrayView<float> Latent) Views(MlaShape s, int tokens, int startPosition, ArrayView<float> scratch)
    {
        long rows = (long)tokens * s.Heads;
        long qcat = rows * (s.Rank + s.Rope), scores = rows * (startPosition + tokens);
        return (scratch.SubView(0, qcat), scratch.SubView(qcat + scores, rows * s.Rank));
    }

    private void Attend(AcceleratorStream stream, MlaShape s, ArrayView<float> qcat, ArrayView<float> cache, int tokens, int startPosition, float scale,
                        ArrayView<float> scratch, ArrayView<float> latent)
    {
        int total = startPosition + tokens;
        long rows = (long)tokens * s.Heads;
        ArrayView<float> scores = scratch.SubView(qcat.Length, rows * total);
        _scores(stream, _shape.Groups(rows * total), qcat, cache, scores, s, total, startPosition);
        _softmax.Launch(stream, scores, tokens, s.Heads, total, total, startPosition, scale);
        _value(stream, _shape.Groups(rows), scores, cache, latent, s, total, startPosition);
    }
}
