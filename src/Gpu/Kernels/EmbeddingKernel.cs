using ILGPU;
using ILGPU.Runtime;
using NativeInfer.Interop;

namespace NativeInfer.Gpu.Kernels;

/// <summary>
/// Token ids → rows of an embedding table kept on the device in its GGUF encoding (F32, F16, BF16, Q8_0 or
/// Q4_0 rows, ggml's block layouts bit for bit), dequantized exactly as ggml does (Q8_0: q·d, Q4_0: (q − 8)·d
/// with d the block's f16 scale). One group per token. An id outside the vocabulary gives a row of NaN on the
/// device; <see cref="CheckIds"/> is the host-side check that turns it into an exception first.
/// </summary>
public sealed class EmbeddingKernel
{
    private readonly KernelShape _shape;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<byte>, ArrayView<int>, ArrayView<float>, int, long, int, int> _kernel;

    public EmbeddingKernel(Accelerator accelerator, KernelShape shape)
    {
        _shape = shape;
        _kernel = accelerator.LoadKernel<ArrayView<byte>, ArrayView<int>, ArrayView<float>, int, long, int, int>(Kernel);
    }

    /// <summary>The table encodings the kernel reads.</summary>
    public static bool Supports(NiType type) => type is NiType.F32 or NiType.F16 or NiType.BF16 or NiType.Q8_0 or NiType.Q4_0;

    /// <summary>Bytes of one row of <paramref name="dim"/> values of <paramref name="type"/>.</summary>
    public static long RowBytes(NiType type, int dim) => type switch
    {
        NiType.F32 => 4L * dim,
        NiType.F16 or NiType.BF16 => 2L * dim,
        NiType.Q8_0 when dim % 32 == 0 => dim / 32 * 34L,
        NiType.Q4_0 when dim % 32 == 0 => dim / 32 * 18L,
        NiType.Q8_0 or NiType.Q4_0 => throw new ArgumentException($"{type} rows hold whole blocks of 32 values; dim {dim} is not a multiple of 32", nameof(dim)),
        _ => throw new NiUnsupportedTypeException(NiStatus.UnsupportedType, $"the GPU embedding gather reads F32, F16, BF16, Q8_0 or Q4_0 rows, not {type}"),
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first id outside [0, vocab).</summary>
    public static void CheckIds(ReadOnlySpan<int> ids, int vocab)
    {
        for (int t = 0; t < ids.Length; t++)
            if ((uint)ids[t] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {ids[t]} at index {t} is outside the vocabulary [0, {vocab})");
    }

    /// <summary>
    /// y [tokens][dim] = rows ids[0 .. tokens) of table [vocab] rows of <see cref="RowBytes"/> bytes.
    /// </summary>
    public void Launch(AcceleratorStream stream, NiType type, ArrayView<byte> table, int vocab, int dim, ArrayView<int> ids, int tokens,
                       ArrayView<float> y)
    {
        if (!Supports(type)) _ = RowBytes(type, dim);  // throws the typed error
        ViewChecks.Positive(vocab, nameof(vocab));
        ViewChecks.Positive(dim, nameof(dim));
        ViewChecks.Positive(tokens, nameof(tokens));
        long rowBytes = RowBytes(type, dim);
        ViewChecks.Require(table, vocab * rowBytes, nameof(table), $"[{vocab}] rows of {rowBytes} bytes");
        ViewChecks.Require(ids, tokens, nameof(ids), $"[{tokens}]");
        ViewChecks.Require(y, (long)tokens * dim, nameof(y), $"[{tokens}][{dim}]");
        _kernel(stream, _shape.Groups(tokens), table, ids, y, (int)type, rowBytes, vocab, dim);
    }

    [GpuKernel]
    internal static void Kernel(ArrayView<byte> table, ArrayView<int> ids, ArrayView<float> y, int type, long rowBytes, int vocab, int dim)
    {
        int t = Grid.IdxX;
        int id = ids[t];
        long output = (long)t * dim;
        bool valid = id >= 0 && id < vocab;
        long row = valid ? id * rowBytes : 0;
        for (int i = Group.IdxX; i < dim; i += Group.DimX)
            y[output + i] = valid ? Value(table, row, type, i) : float.NaN;
    }

    // Value i of the row starting at byte `row`.
    private static float Value(ArrayView<byte> table, long row, int type, int i)
    {
        if (type == (int)NiType.F32) return ILGPU.Interop.IntAsFloat(ReadUInt32(table, row + 4L * i));
        if (type == (int)NiType.F16) return HalfBits.ToFloat(ReadUInt16(table, row + 2L * i));
        if (type == (int)NiType.BF16) return HalfBits.BFloat16ToFloat(ReadUInt16(table, row + 2L * i));
        int j = i % 32;
        if (type == (int)NiType.Q8_0)
        {
            long block = row + i / 32 * 34L;
            return (sbyte)table[block + 2 + j] * HalfBits.ToFloat(ReadUInt16(table, block));
        }
        // Q4_0: byte j % 16 holds value j in its low nibble (j < 16) and value j + 16 in its high one.
        long q4 = row + i / 32 * 18L;
        int b = table[q4 + 2 + j % 16];
        int q = j < 16 ? b & 0xF : b >> 4;
        return (q - 8) * HalfBits.ToFloat(ReadUInt16(table, q4));
    }

    private static ushort ReadUInt16(ArrayView<byte> v, long o) => (ushort)(v[o] | v[o + 1] << 8);

    private static uint ReadUInt32(ArrayView<byte> v, long o) => (uint)(v[o] | v[o + 1] << 8 | v[o + 2] << 16 | v[o + 3] << 24);
}
