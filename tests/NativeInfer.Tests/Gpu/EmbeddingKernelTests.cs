using NativeInfer.Gpu.Kernels;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// The embedding gather against the CPU library's dequantization of the same rows (what EmbeddingOperator
/// runs): bit for bit for every table type, with repeated and boundary ids.
/// </summary>
public class EmbeddingKernelTests(int warpSize, int warps) : EmulatedKernelTest(warpSize, warps)
{
    [TestCase(NiType.F32)]
    [TestCase(NiType.F16)]
    [TestCase(NiType.BF16)]
    [TestCase(NiType.Q8_0)]
    [TestCase(NiType.Q4_0)]
    public void Gather_MatchesCpuDequantizationBitForBit(NiType type)
    {
        const int vocab = 11, dim = 96;
        float[] values = Reference.Gaussian(21, vocab * dim, 0.5f);
        using KernelPool pool = KernelPool.Create(1);
        long rowBytes = EmbeddingKernel.RowBytes(type, dim);
        var table = new byte[vocab * rowBytes];
        pool.Quantize(type, values, table, vocab, dim);
        var dense = new float[vocab * dim];
        pool.Dequantize(type, table, dense, vocab, dim);

        int[] ids = [0, 10, 3, 3, 7];
        EmbeddingKernel.CheckIds(ids, vocab);
        using var tb = Upload(table);
        using var ib = Upload(ids);
        using var yb = Allocate<float>(ids.Length * dim);
        Kernels.Embedding.Launch(Stream, type, tb.View, vocab, dim, ib.View, ids.Length, yb.View);
        float[] got = Download(yb);
        for (int t = 0; t < ids.Length; t++)
            for (int i = 0; i < dim; i++)
                Assert.That(BitConverter.SingleToInt32Bits(got[t * dim + i]), Is.EqualTo(BitConverter.SingleToInt32Bits(dense[ids[t] * dim + i])),
                    $"{type}, token {t} (id {ids[t]}), value {i}");
    }

    [Test]
    public void Gather_IdOutsideVocabulary_IsRejectedOnTheHostAndNaNOnTheDevice()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingKernel.CheckIds([1, 5, -1], 5));
        Assert.That(e!.Message, Does.Contain("token id 5 at index 1"));

        using var tb = Upload(new byte[4 * 32 * 4]);
        using var ib = Upload(new[] { 2, 4 });
        using var yb = Allocate<float>(2 * 32);
        Kernels.Embedding.Launch(Stream, NiType.F32, tb.View, 4, 32, ib.View, 2, yb.View);
        float[] got = Download(yb);
        Assert.That(got.Take(32), Is.All.EqualTo(0f));
        Assert.That(got.Skip(32).All(float.IsNaN), "an id the host did not check must not read outside the table");
    }

    [Test]
    public void Gather_UnsupportedTypeOrPartialBlock_IsTyped()
    {
        using var tb = Upload(new byte[1024]);
        using var ib = Upload(new[] { 0 });
        using var yb = Allocate<float>(64);
        Assert.Throws<NiUnsupportedTypeException>(() => Kernels.Embedding.Launch(Stream, NiType.Q4_K, tb.View, 1, 256, ib.View, 1, yb.View));
        Assert.Throws<ArgumentException>(() => Kernels.Embedding.Launch(Stream, NiType.Q8_0, tb.View, 1, 40, ib.View, 1, yb.View));
    }
}
