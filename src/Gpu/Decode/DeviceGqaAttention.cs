using ILGPU;
using NativeInfer.Config;
using NativeInfer.Gpu.Devices;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Models.Modules;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// Grouped-query attention on the device (Qwen2-MoE, Qwen3-MoE), MultiHeadAttentionOperator's step: q, k, v (with
/// their biases when the model has them), then <see cref="GqaAttention"/> — Qwen3's per-head q/k norms, RoPE, the
/// cache row [K heads | V heads] (f32 [capacity] rows per layer), softmax(q·kᵀ/√d)·V — and o_proj.
/// </summary>
internal sealed class DeviceGqaAttention : IDeviceAttention
{
    private readonly IGpuDevice _device;
    private readonly DeviceRope _rope;
    private readonly GqaShape _shape;
    private readonly DeviceLinear _qProj, _kProj, _vProj, _oProj;
    private readonly GqaAttention.HeadNorms? _norms;
    private readonly ArrayView<float> _cache, _q, _k, _v, _o;

    public DeviceGqaAttention(DeviceTensors tensors, MultiHeadAttention module, ModelConfig config, DeviceRope rope, int capacity,
                              GpuLinearPrecision precision)
    {
        _device = tensors.Device;
        _rope = rope;
        AttentionConfig a = config.Attention;
        _shape = new GqaShape { Heads = a.NumHeads, KvHeads = a.NumKvHeads, HeadDim = a.HeadDim, ValueDim = a.ValueHeadDim };
        _shape.CacheStride = (long)a.NumKvHeads * (a.HeadDim + a.ValueHeadDim);
        if (rope.Table.Pairs * 2 > a.HeadDim)
            throw new GpuDecodeNotSupportedException($"{module.Path}: RoPE rotates {rope.Table.Pairs * 2} dimensions but heads have {a.HeadDim}");
        _qProj = new DeviceLinear(tensors, module.QProj, precision);
        _kProj = new DeviceLinear(tensors, module.KProj, precision);
        _vProj = new DeviceLinear(tensors, module.VProj, precision);
        _oProj = new DeviceLinear(tensors, module.OProj, precision);
        if (module.QNorm is { } qn && module.KNorm is { } kn)
        {
            if (qn.Eps != kn.Eps) throw new GpuDecodeNotSupportedException($"{module.Path}: q_norm and k_norm have different epsilons");
            _norms = new GqaAttention.HeadNorms(tensors.Vector(qn.GgufBase + ".weight", qn.Dim), tensors.Vector(kn.GgufBase + ".weight", kn.Dim), qn.Eps);
        }
        _cache = tensors.Allocate<float>((long)capacity * _shape.CacheStride);
        _q = tensors.Allocate<float>(_qProj.Out);
        _k = tensors.Allocate<float>(_kProj.Out);
        _v = tensors.Allocate<float>(_vProj.Out);
        _o = tensors.Allocate<float>((long)a.NumHeads * a.ValueHeadDim);
    }

    public long ScratchFloats(int total) => GqaAttention.ScratchFloats(_shape, 1, total);

    public void Forward(DecodeWorkspace w, int position)
    {
        _qProj.Forward(_device, w.Normed, _q);
        _kProj.Forward(_device, w.Normed, _k);
        _vProj.Forward(_device, w.Normed, _v);
        _device.Kernels.Gqa.Launch(_device.Stream, _shape, _q, _k, _v, _norms, _rope.Table, _rope.Cos, _rope.Sin, _cache, 1, position,
            w.AttentionScratch, _o);
        _oProj.Forward(_device, _o, w.Branch);
    }
}
