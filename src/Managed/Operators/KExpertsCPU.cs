using NativeInfer.Interop;

namespace NativeInfer.Operators;

/// <summary>The native MoE kernel: tokens grouped per expert, each expert's weights read once per call (the default experts op).</summary>
[PhaseOp("KExpertsCPU", typeof(KTransformersExperts), Aliases = ["KExpertsTorch"], IsDefault = true)]
public sealed unsafe class KExpertsCPU(ExpertsBinding binding) : IExpertsImplementation
{
    private readonly NiMoeWeights _native = new()
    {
        Gate = binding.Gate.Pointer, Up = binding.Up.Pointer, Down = binding.Down.Pointer, GateType = (int)binding.Gate.Type,
        UpType = (int)binding.Up.Type, DownType = (int)binding.Down.Type, NExperts = binding.Module.NumExperts,
        Hidden = binding.Module.Hidden, Ffn = binding.Module.Ffn,
    };

    public void Forward(ForwardContext ctx, float* x, int n, int* ids, float* weights, int topK, float* y, bool accumulate)
    {
        NiMoeWeights w = _native;
        nuint stride = (nuint)(w.Hidden * 4);
        ctx.Pool.MoeExperts(&w, x, stride, ids, weights, n, topK, y, stride, accumulate ? NiMoeFlags.Accumulate : NiMoeFlags.None);
    }
}
