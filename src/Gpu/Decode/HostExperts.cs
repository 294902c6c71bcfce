using NativeInfer.Config;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Operators;
using NativeInfer.Tensors;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// The CPU side of the hybrid: the routed experts run through the model's own experts operator (the one its rules
/// bound: KExpertsCPU by default), with a kernel pool and scratch arena of their own, so the numbers are exactly
/// the CPU path's for the same hidden state, ids and weights. Also gathers embedding rows when the plan keeps the
/// embedding on the CPU. The experts read no KV cache; the context's cache
/// is a one-position placeholder because <see cref="ForwardContext"/> requires one.
/// </summary>
internal sealed unsafe class HostExperts : IDisposable
{
    private readonly KernelPool _pool;
    private readonly ScratchArena _scratch;
    private readonly KvCache _cache;
    private readonly ForwardContext _ctx;

    public HostExperts(ModelConfig config, KernelPool pool)
    {
        _pool = pool;
        _scratch = new ScratchArena(1 << 20);
        try
        {
            _cache = new KvCache(config, 1, NiType.F32);
        }
        catch
        {
            _scratch.Dispose();
            throw;
        }
        _ctx = new ForwardContext(_pool, _scratch, _cache);
    }

    /// <summary>y [hidden] = Σ_j weights[j] · expert ids[j](x) for the one token at <paramref name="position"/>.</summary>
    public void Run(IExpertsOperator experts, int position, ReadOnlySpan<float> x, ReadOnlySpan<int> ids, ReadOnlySpan<float> weights, Span<float> y)
    {
        _ctx.Begin(position, 1);
        fixed (float* px = x, pw = weights, py = y)
        fixed (int* pi = ids)
            experts.Forward(_ctx, px, 1, pi, pw, ids.Length, py, accumulate: false);
    }

    /// <summary>The embedding row of <paramref name="token"/> through the model's own embedding operator (exact dequantization).</summary>
    public void Embed(IEmbeddingOperator embedding, int token, Span<float> y)
    {
        _ctx.Begin(0, 1);
        fixed (float* py = y) embedding.Forward(_ctx, &token, 1, py);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _scratch.Dispose();
    }
}
