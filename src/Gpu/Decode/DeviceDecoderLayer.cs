using ILGPU;
using NativeInfer.Gpu.Devices;

namespace NativeInfer.Gpu.Decode;

/// <summary>DecoderLayerOperator on the device: x += attn(input_layernorm(x)); x += ffn(post_attention_layernorm(x)).</summary>
internal sealed class DeviceDecoderLayer(IGpuDevice device, ArrayView<float> inputNorm, ArrayView<float> postNorm, float inputEps, float postEps,
                                         IDeviceAttention attention, IDeviceFeedForward feedForward)
{
    public IDeviceAttention Attention => attention;

    public void Forward(DecodeWorkspace w, int position)
    {
        var k = device.Kernels;
        int hidden = (int)w.Hidden.Length;
        k.RmsNorm.Launch(device.Stream, w.Hidden, inputNorm, w.Normed, 1, hidden, hidden, inputEps);
        attention.Forward(w, position);
        k.ResidualAdd.Launch(device.Stream, w.Hidden, w.Branch, hidden);
        k.RmsNorm.Launch(device.Stream, w.Hidden, postNorm, w.Normed, 1, hidden, hidden, postEps);
        feedForward.Forward(w, position);
        k.ResidualAdd.Launch(device.Stream, w.Hidden, w.Branch, hidden);
    }
}
