using ILGPU;
using NativeInfer.Config;
using NativeInfer.Gpu.Devices;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Models.Modules;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// DeepSeek-V2/V3 multi-head latent attention on the device, KDeepseekV2Attention's absorbed decode step: q (through
/// q_a, its norm and q_b when the model has a q LoRA), [c | k_pe] = kv_a x written straight into this position's
/// cache row, c normalised and k_pe rotated there, q_pe rotated, then <see cref="MlaAttention"/> over the latent
/// cache and o_proj. The cache is f32 [capacity][r + d_r] per layer; kv_b is kept like the linears (f16 or f32) in
/// the [H][d_n + d_v][r] layout <see cref="MlaAttention"/> reads (f16 under Auto too: it is not a GEMM's weight).
/// </summary>
internal sealed class DeviceLatentAttention : IDeviceAttention
{
    private readonly IGpuDevice _device;
    private readonly DeviceRope _rope;
    private readonly MlaShape _shape;
    private readonly float _scale, _kvAEps, _qAEps;
    private readonly DeviceLinear? _qProj, _qA, _qB;
    private readonly DeviceLinear _kvA, _oProj;
    private readonly ArrayView<float> _qANorm, _kvANorm, _cache, _q, _qa, _o;
    private readonly ArrayView<ushort> _kvB;
    private readonly ArrayView<float> _kvB32;
    private readonly bool _kvBIsHalf;
    private readonly int _qLoraRank;

    public DeviceLatentAttention(DeviceTensors tensors, LatentAttention module, ModelConfig config, DeviceRope rope, int capacity,
                                 GpuLinearPrecision precision)
    {
        _device = tensors.Device;
        _rope = rope;
        AttentionConfig a = config.Attention;
        _shape = new MlaShape { Heads = a.NumHeads, Nope = a.QkNopeHeadDim, Rope = a.QkRopeHeadDim, Value = a.VHeadDim, Rank = a.KvLoraRank };
        _shape.CacheStride = _shape.Rank + _shape.Rope;
        if (rope.Table.Pairs * 2 != _shape.Rope)
            throw new GpuDecodeNotSupportedException($"{module.Path}: RoPE rotates {rope.Table.Pairs * 2} dimensions but qk_rope_head_dim is {_shape.Rope}");
        float m = config.Rope.Scaling is { Type: RopeScalingType.Yarn } y ? Yarn.MScale(y.Factor, y.MScaleAllDim) : 1f;
        _scale = m * m / MathF.Sqrt(_shape.Nope + _shape.Rope);  // KDeepseekV2Attention's softmax scale
        _kvAEps = module.KvALayerNorm.Eps;

        if (module.QProj is { } q) _qProj = new DeviceLinear(tensors, q, precision);
        else
        {
            _qA = new DeviceLinear(tensors, module.QAProj!, precision);
            _qANorm = tensors.Vector(module.QALayerNorm!.GgufBase + ".weight", module.QALayerNorm.Dim);
            _qLoraRank = module.QALayerNorm.Dim;
            _qAEps = module.QALayerNorm.Eps;
            _qB = new DeviceLinear(tensors, module.QBProj!, precision);
            _qa = tensors.Allocate<float>(_qA.Out);
        }
        _kvA = new DeviceLinear(tensors, module.KvAProjWithMqa, precision);
        _kvANorm = tensors.Vector(module.KvALayerNorm.GgufBase + ".weight", module.KvALayerNorm.Dim);
        _oProj = new DeviceLinear(tensors, module.OProj, precision);
        string kvB = module.KvBProj.GgufBase + ".weight";
        if (!tensors.HasTensor(kvB))
            throw new GpuDecodeNotSupportedException($"{module.Path}: the GPU path reads kv_b as one '{kvB}' tensor; this file splits it into attn_k_b / attn_v_b");
        long kvBRows = (long)_shape.Heads * (_shape.Nope + _shape.Value);
        // Auto keeps kv_b f16 even when it is Q4_0: the kernel reads it per head as W_UK and W_UV, not through a GEMM.
        _kvBIsHalf = precision != GpuLinearPrecision.F32;
        if (_kvBIsHalf) _kvB = tensors.MatrixF16(kvB, kvBRows, _shape.Rank);
        else _kvB32 = tensors.MatrixF32(kvB, kvBRows, _shape.Rank);
        tensors.Placements.Add(new GpuLinearPlacement(module.KvBProj.Path, kvB, tensors.Tensor(kvB).Type, kvBRows, _shape.Rank,
            _kvBIsHalf ? GpuLinearStorage.F16 : GpuLinearStorage.F32,
            precision == GpuLinearPrecision.Auto ? "read per head by the absorbed MLA attention kernel, not by a GEMM" : $"GpuDecodeOptions.Linears = {precision}"));
        _cache = tensors.Allocate<float>((long)capacity * _shape.CacheStride);
        _q = tensors.Allocate<float>((long)_shape.Heads * (_shape.Nope + _shape.Rope));
        _o = tensors.Allocate<float>((long)_shape.Heads * _shape.Value);
    }

    public long ScratchFloats(int total) => MlaAttention.ScratchFloats(_shape, 1, total);

    public void Forward(DecodeWorkspace w, int position)
    {
        var k = _device.Kernels;
        var stream = _device.Stream;
        int qw = _shape.Nope + _shape.Rope, cw = _shape.Rank + _shape.Rope;
        if (_qProj is not null) _qProj.Forward(_device, w.Normed, _q);
        else
        {
            _qA!.Forward(_device, w.Normed, _qa);
            k.RmsNorm.Launch(stream, _qa, _qANorm, _qa, 1, _qLoraRank, _qLoraRank, _qAEps);
            _qB!.Forward(_device, _qa, _q);
        }
        ArrayView<float> row = _cache.SubView((long)position * cw, cw);
        _kvA.Forward(_device, w.Normed, row);
        k.RmsNorm.Launch(stream, row, _kvANorm, row, 1, _shape.Rank, cw, _kvAEps);
        k.Rope.Launch(stream, row.SubView(_shape.Rank), _rope.Cos, _rope.Sin, _rope.Table, 1, 1, cw, 0, position);
        k.Rope.Launch(stream, _q.SubView(_shape.Nope), _rope.Cos, _rope.Sin, _rope.Table, 1, _shape.Heads, (long)_shape.Heads * qw, qw, position);
        if (_kvBIsHalf) k.Mla.Launch(stream, _shape, _q, _kvB, _cache, 1, position, _scale, w.AttentionScratch, _o);
        else k.Mla.Launch(stream, _shape, _q, _kvB32, _cache, 1, position, _scale, w.AttentionScratch, _o);
        _oProj.Forward(_device, _o, w.Branch);
    }
}
