using System.Numerics.Tensors;
using NativeInfer.Interop;
using NativeInfer.Models.Modules;
using NativeInfer.Runtime;

namespace NativeInfer.Operators;

/// <summary>
/// The routed experts of one MoE layer over the stacked GGUF tensors. Ops (generate_op for one token,
/// prefill_op for several): KExpertsCPU — the native MoE kernel (tokens grouped per expert, each
/// expert's weights read once per call); KExpertsManaged — the managed f32 reference (each selected
/// expert's rows dequantized exactly, one dot per row, activations unquantized).
/// KTransformers' KExpertsTorch is accepted as KExpertsCPU; its KExpertsMarlin (experts on a GPU) has no
/// implementation here: a rule naming it fails, or with the CPU fallback runs KExpertsCPU. Its `backend`
/// kwarg (llamafile, AMXInt8, AMXBF16) chooses KTransformers' CPU kernels; here every value runs
/// NativeInfer's CPU kernels, which `rules explain` notes.
/// </summary>
public sealed unsafe class KTransformersExperts : InjectedOperator, IExpertsOperator
{
    public const string CpuOp = "KExpertsCPU", ManagedOp = "KExpertsManaged", MarlinOp = "KExpertsMarlin";

    private readonly Experts _experts;
    private readonly bool _generateManaged, _prefillManaged;
    private WeightTensor _gate, _up, _down;
    private NiMoeWeights _native;

    public KTransformersExperts(OperatorContext context) : base(context)
    {
        _experts = context.Module as Experts ?? throw new ModelLoadException($"{Key}: KTransformersExperts needs an Experts module, got {context.Module.ClassName}");
        _generateManaged = ResolveOp(context.GenerateOp) == ManagedOp;
        _prefillManaged = ResolveOp(context.PrefillOp) == ManagedOp;
    }

    public static string ResolveOp(string? op) => op switch
    {
        null or "" or CpuOp or "KExpertsTorch" => CpuOp,
        ManagedOp => ManagedOp,
        MarlinOp => MarlinOp,
        _ => throw new ArgumentException($"unknown experts op '{op}' (known: {CpuOp}, {ManagedOp}, KExpertsTorch, {MarlinOp} on CUDA)"),
    };

    public override void Bind(OperatorBinder binder)
    {
        _gate = binder.Tensor(_experts, "gate");
        _up = binder.Tensor(_experts, "up");
        _down = binder.Tensor(_experts, "down");
        _native = new NiMoeWeights
        {
            Gate = _gate.Pointer, Up = _up.Pointer, Down = _down.Pointer, GateType = (int)_gate.Type, UpType = (int)_up.Type,
            DownType = (int)_down.Type, NExperts = _experts.NumExperts, Hidden = _experts.Hidden, Ffn = _experts.Ffn,
        };
    }

    /// <summary>Bytes one token reads: top-k of the E experts' three matrices.</summary>
    public override long DecodeBytes
    {
        get
        {
            long perExpert = (_gate.RowBytes + _up.RowBytes) * _experts.Ffn + _down.RowBytes * _experts.Hidden;
            return perExpert * (Config.Moe?.ExpertsPerToken ?? 1);
        }
    }

    public void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights, int topK, float* y, bool accumulate)
    {
        if (n == 1 ? _generateManaged : _prefillManaged) ForwardManaged(ctx, x, n, ids, weights, topK, y, accumulate);
        else
        {
            NiMoeWeights w = _native;
            ctx.Pool.MoeExperts(&w, x, (nuint)(_experts.Hidden * 4), ids, weights, n, topK, y, (nuint)(_experts.Hidden * 4),
                accumulate ? NiMoeFlags.Accumulate : NiMoeFlags.None);
        }
    }

    // The reference: for each (token, slot), dequantize the expert's three matrices and compute in f32.
    private void ForwardManaged(ForwardContext ctx, float* x, int n, int* ids, float* weights, int topK, float* y, bool accumulate)
    {
        int hidden = _experts.Hidden, ffn = _experts.Ffn;
        float* gate = ctx.Scratch.Alloc<float>((long)ffn * hidden);
        float* up = ctx.Scratch.Alloc<float>((long)ffn * hidden);
        float* down = ctx.Scratch.Alloc<float>((long)hidden * ffn);
        float* h = ctx.Scratch.Alloc<float>(ffn);
        if (!accumulate) new Span<float>(y, n * hidden).Clear();
        for (int t = 0; t < n; t++)
        {
            var xt = new ReadOnlySpan<float>(x + (long)t * hidden, hidden);
            for (int j = 0; j < topK; j++)
            {
                int e = ids[t * topK + j];
                if ((uint)e >= (uint)_experts.NumExperts) throw new ArgumentOutOfRangeException(nameof(ids), $"expert id {e} outside [0, {_experts.NumExperts})");
                Dequantize(ctx, _gate, (long)e * ffn, ffn, hidden, gate);
                Dequantize(ctx, _up, (long)e * ffn, ffn, hidden, up);
                Dequantize(ctx, _down, (long)e * hidden, hidden, ffn, down);
                for (int f = 0; f < ffn; f++)
                {
                    float g = TensorPrimitives.Dot(new ReadOnlySpan<float>(gate + (long)f * hidden, hidden), xt);
                    float u = TensorPrimitives.Dot(new ReadOnlySpan<float>(up + (long)f * hidden, hidden), xt);
                    h[f] = g / (1f + MathF.Exp(-g)) * u;
                }
                float wj = weights[t * topK + j];
                var hs = new ReadOnlySpan<float>(h, ffn);
                for (int o = 0; o < hidden; o++) y[(long)t * hidden + o] += wj * TensorPrimitives.Dot(new ReadOnlySpan<float>(down + (long)o * ffn, ffn), hs);
            }
        }
    }

    private static void Dequantize(ForwardContext ctx, WeightTensor w, long firstRow, long rows, long cols, float* dst) =>
        NiException.ThrowIfFailed(NativeMethods.DequantizeRows(ctx.Pool.Handle, (int)w.Type, dst, (nuint)(cols * 4), w.RowPointer(firstRow),
            (nuint)w.RowBytes, rows, cols));
}
