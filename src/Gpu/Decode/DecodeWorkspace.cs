using ILGPU;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// The activations every layer shares, on the device: the residual stream, its normalised copy, the branch
/// (attention or feed-forward) output, and the attention scratch sized for the whole cache. Small per-module
/// buffers (projections, gate/up) belong to the modules themselves.
/// </summary>
internal sealed class DecodeWorkspace(DeviceTensors tensors, int hidden, long attentionScratchFloats)
{
    /// <summary>The residual stream x [hidden] of the token being decoded.</summary>
    public ArrayView<float> Hidden { get; } = tensors.Allocate<float>(hidden);

    /// <summary>norm(x) [hidden], the input of attention and of the feed-forward block.</summary>
    public ArrayView<float> Normed { get; } = tensors.Allocate<float>(hidden);

    /// <summary>The branch output [hidden] added back into x.</summary>
    public ArrayView<float> Branch { get; } = tensors.Allocate<float>(hidden);

    public ArrayView<float> AttentionScratch { get; } = tensors.Allocate<float>(attentionScratchFloats);
}

/// <summary>Attention of one layer on the device: reads norm(x), appends this position to its cache, writes the output [hidden].</summary>
internal interface IDeviceAttention
{
    /// <summary>Scratch floats one step needs with <paramref name="total"/> cached positions.</summary>
    long ScratchFloats(int total);

    void Forward(DecodeWorkspace w, int position);
}

/// <summary>The feed-forward block of one layer: reads norm(x) (<see cref="DecodeWorkspace.Normed"/>), writes <see cref="DecodeWorkspace.Branch"/>.</summary>
internal interface IDeviceFeedForward
{
    void Forward(DecodeWorkspace w, int position);
}
