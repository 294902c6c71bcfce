using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gguf;

/// <summary>
/// The zero-copy views point at the right bytes: quantized tensors of quant-reference.gguf and
/// quant-reference-2.gguf, handed straight from the mapping to the native dequantizer, reproduce the
/// reference tooling's float32 dequantization stored beside them, bit for bit.
/// </summary>
public class GgufTensorDataTests
{
    [TestCase("q4_0", GgmlType.Q4_0)]
    [TestCase("q8_0", GgmlType.Q8_0)]
    [TestCase("q4_k", GgmlType.Q4_K)]
    [TestCase("q6_k", GgmlType.Q6_K)]
    [TestCase("bf16", GgmlType.BF16)]
    [TestCase("f16", GgmlType.F16)]
    public void Dequantize_ViewOfQuantReference_MatchesRefBitExact(string name, GgmlType type) =>
        AssertDequantizesToReference("quant/quant-reference.gguf", name, type);

    /// <summary>The other block formats of quant-reference-2.gguf (the library writes them too).</summary>
    [TestCase("q4_1", GgmlType.Q4_1)]
    [TestCase("q5_0", GgmlType.Q5_0)]
    [TestCase("q5_1", GgmlType.Q5_1)]
    [TestCase("q2_k", GgmlType.Q2_K)]
    [TestCase("q3_k", GgmlType.Q3_K)]
    [TestCase("q5_k", GgmlType.Q5_K)]
    [TestCase("iq4_nl", GgmlType.IQ4_NL)]
    [TestCase("iq4_xs", GgmlType.IQ4_XS)]
    public void Dequantize_WritableTypesOfQuantReference2_MatchRefBitExact(string name, GgmlType type) =>
        AssertDequantizesToReference("quant/quant-reference-2.gguf", name, type);

    /// <summary>The i-quants of quant-reference-2.gguf (random valid blocks; the library reads but cannot write them).</summary>
    [TestCase("iq2_xxs", GgmlType.IQ2_XXS)]
    [TestCase("iq2_xs", GgmlType.IQ2_XS)]
    [TestCase("iq2_s", GgmlType.IQ2_S)]
    [TestCase("iq3_xxs", GgmlType.IQ3_XXS)]
    [TestCase("iq3_s", GgmlType.IQ3_S)]
    [TestCase("iq1_s", GgmlType.IQ1_S)]
    [TestCase("iq1_m", GgmlType.IQ1_M)]
    public void Dequantize_IQuantViewOfQuantReference2_MatchesRefBitExact(string name, GgmlType type) =>
        AssertDequantizesToReference("quant/quant-reference-2.gguf", name, type);

    private static void AssertDequantizesToReference(string file, string name, GgmlType type)
    {
        using GgufFile gguf = GgufFile.Open(RepoPaths.RequireTestData(file));
        GgufTensor q = gguf.GetTensor($"{name}.q");
        GgufTensor reference = gguf.GetTensor($"{name}.ref");
        Assert.That(q.Type, Is.EqualTo(type));
        Assert.That(reference.Type, Is.EqualTo(GgmlType.F32));
        Assert.That(q.Dimensions.ToArray(), Is.EqualTo(reference.Dimensions.ToArray()));

        using KernelPool pool = KernelPool.Create(1);
        var values = new float[q.ElementCount];
        pool.Dequantize((NiType)(int)q.Type, q.AsSpan(), values, q.RowCount, q.Ne(0));

        ReadOnlySpan<float> expected = reference.AsSpan<float>();
        int mismatches = 0, first = -1;
        for (int i = 0; i < values.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(values[i]) == BitConverter.SingleToInt32Bits(expected[i])) continue;
            mismatches++;
            if (first < 0) first = i;
        }
        Assert.That(mismatches, Is.Zero, first < 0 ? "" : $"first mismatch at {first}: {values[first]} vs {expected[first]}");
        Assert.That(values.Any(v => v != 0), Is.True, "the reference is not all zeros");
    }

    [TestCase("q8_0", GgmlType.Q8_0)]
    [TestCase("bf16", GgmlType.BF16)]
    public void Quantize_SourceView_MatchesReferenceQuantizationBitExact(string name, GgmlType type)
    {
        using GgufFile file = GgufFile.Open(RepoPaths.RequireTestData("quant/quant-reference.gguf"));
        GgufTensor src = file.GetTensor($"{name}.src");
        GgufTensor expected = file.GetTensor($"{name}.quant");
        using KernelPool pool = KernelPool.Create(1);
        var bytes = new byte[expected.ByteSize];
        pool.Quantize((NiType)(int)type, src.AsSpan<float>(), bytes, src.RowCount, src.Ne(0));
        Assert.That(bytes, Is.EqualTo(expected.AsSpan().ToArray()));
    }

    [Test]
    public void BlockLayouts_AgreeWithTheNativeLibrary()
    {
        // Two independent tables of ggml's layouts (C structs vs the managed traits) must agree.
        foreach (NiType t in Enum.GetValues<NiType>())
        {
            NiTypeInfo info = QuantTypes.Info(t);
            var g = (GgmlType)(int)t;
            Assert.That(g.BlockSize(), Is.EqualTo(info.BlockSize), g.ToString());
            Assert.That(g.BlockBytes(), Is.EqualTo(info.BlockBytes), g.ToString());
            Assert.That(g.Name(), Is.EqualTo(info.NameString), g.ToString());
        }
    }
}
