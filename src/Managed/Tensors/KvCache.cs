using NativeInfer.Config;
using NativeInfer.Interop;
using NativeInfer.Native;

namespace NativeInfer.Tensors;

/// <summary>
/// One session's attention cache, per layer a [capacity][width] matrix in F32, F16 or BF16:
/// MLA caches only [c | rope(k_pe)] (kv_lora_rank + qk_rope values per token — 576 for DeepSeek-V2);
/// multi-head attention caches K ([kv heads][head dim]) and V side by side in one row.
/// Rows are written by the attention operators and read by the matmul kernels directly.
/// </summary>
public sealed unsafe class KvCache : IDisposable
{
    private readonly NativeBuffer _buffer;

    public KvCache(ModelConfig config, int capacity, NiType type)
    {
        if (type is not (NiType.F32 or NiType.F16 or NiType.BF16))
            throw new ArgumentException($"KV cache type must be F32, F16 or BF16 (got {type})", nameof(type));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Type = type;
        Capacity = capacity;
        Layers = config.NumLayers;
        Width = config.Attention.CacheWidth;
        ElementBytes = type == NiType.F32 ? 4 : 2;
        RowBytes = (long)Width * ElementBytes;
        LayerBytes = RowBytes * capacity;
        _buffer = new NativeBuffer(LayerBytes * Layers);
    }

    public NiType Type { get; }
    public int Capacity { get; }
    public int Layers { get; }

    /// <summary>Values per token per layer.</summary>
    public int Width { get; }

    public int ElementBytes { get; }
    public long RowBytes { get; }
    public long LayerBytes { get; }

    /// <summary>Tokens currently cached (the next position to write).</summary>
    public int Length { get; internal set; }

    public byte* Row(int layer, int position) => (byte*)_buffer.Pointer + layer * LayerBytes + position * RowBytes;

    /// <summary>Stores f32 values at (layer, position, offset) in the cache's element type.</summary>
    public void Write(int layer, int position, int offset, ReadOnlySpan<float> values)
    {
        byte* row = Row(layer, position) + (long)offset * ElementBytes;
        switch (Type)
        {
            case NiType.F32:
                values.CopyTo(new Span<float>(row, values.Length));
                break;
            case NiType.F16:
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, new Span<Half>(row, values.Length));
                break;
            default:
                var dst = new Span<ushort>(row, values.Length);
                for (int i = 0; i < values.Length; i++) dst[i] = ToBFloat16(values[i]);
                break;
        }
    }

    /// <summary>Round to nearest even; NaN stays NaN (ggml's rule).</summary>
    private static ushort ToBFloat16(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if ((u & 0x7FFFFFFF) > 0x7F800000) return (ushort)((u >> 16) | 64);
        return (ushort)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
    }

    public long Bytes => _buffer.Length;

    public void Dispose() => _buffer.Dispose();
}
