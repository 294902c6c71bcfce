using System.Runtime.InteropServices;
using NativeInfer.Gguf;
using NativeInfer.Models.Checking;
using NativeInfer.Runtime;

namespace NativeInfer.Tests.Runtime;

/// <summary>
/// `check` and load agree: every tensor type the check accepts — for 1-D tensors (norms, biases) and for
/// matrices — also loads and runs. The model is a one-layer qwen2 (q/k/v biases) 256 wide, so every block
/// size fits; the logits are compared with the same model written all in F32 (the values chosen are exact
/// in every type, so they must agree bit for bit).
/// </summary>
[NonParallelizable]
public class TypeAcceptanceTests
{
    private const int Hidden = 256, Vocab = 64, Ffn = 256;

    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-types-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<string> VectorTypes() => ModelCheck.VectorTypes;

    public static IEnumerable<string> MatrixTypes() => ModelCheck.KernelTypes;

    /// <summary>Writes the model with 1-D tensors in <paramref name="vectorType"/> and the layer's matrices in <paramref name="matrixType"/>.</summary>
    private string Write(GgmlType vectorType, GgmlType matrixType)
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "qwen2");
        w.AddUInt32("qwen2.context_length", 64);
        w.AddUInt32("qwen2.embedding_length", Hidden);
        w.AddUInt32("qwen2.block_count", 1);
        w.AddUInt32("qwen2.feed_forward_length", Ffn);
        w.AddUInt32("qwen2.attention.head_count", 2);
        w.AddUInt32("qwen2.attention.head_count_kv", 1);
        w.AddFloat32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
        w.AddUInt32("qwen2.vocab_size", Vocab);

        // Embedding and head F32 with small exact values; norms 0.5 + i/256 (exact in F16 and BF16); biases 0.25.
        w.AddTensor("token_embd.weight", GgmlType.F32, [Hidden, Vocab], F32((i) => (i % 7) - 3));
        w.AddTensor("output.weight", GgmlType.F32, [Hidden, Vocab], F32(i => (i % 5) - 2));
        Vector(w, "output_norm.weight", vectorType, Hidden, i => 0.5f + (i % 8) / 256f);
        Vector(w, "blk.0.attn_norm.weight", vectorType, Hidden, i => 1f);
        Vector(w, "blk.0.ffn_norm.weight", vectorType, Hidden, i => 1f);
        Vector(w, "blk.0.attn_q.bias", vectorType, Hidden, _ => 0.25f);
        Vector(w, "blk.0.attn_k.bias", vectorType, Hidden / 2, _ => 0.25f);
        Vector(w, "blk.0.attn_v.bias", vectorType, Hidden / 2, _ => 0.25f);
        // The layer's matrices are zero in every type (a zero block is valid everywhere), so only the 1-D values shape the logits.
        foreach ((string name, long[] ne) in new (string, long[])[]
                 {
                     ("blk.0.attn_q.weight", [Hidden, Hidden]), ("blk.0.attn_k.weight", [Hidden, Hidden / 2]),
                     ("blk.0.attn_v.weight", [Hidden, Hidden / 2]), ("blk.0.attn_output.weight", [Hidden, Hidden]),
                     ("blk.0.ffn_gate.weight", [Hidden, Ffn]), ("blk.0.ffn_up.weight", [Hidden, Ffn]), ("blk.0.ffn_down.weight", [Ffn, Hidden]),
                 })
            w.AddTensor(name, matrixType, ne, new byte[matrixType.ByteSize(ne[0] * ne[1])]);
        string path = Path.Combine(_dir, $"{vectorType}-{matrixType}.gguf");
        w.WriteTo(path);
        return path;
    }

    private static byte[] F32(Func<int, float> value) => MemoryMarshal.AsBytes(Enumerable.Range(0, Hidden * Vocab).Select(value).ToArray().AsSpan()).ToArray();

    private static void Vector(GgufWriter w, string name, GgmlType type, int n, Func<int, float> value)
    {
        float[] values = Enumerable.Range(0, n).Select(value).ToArray();
        byte[] bytes = type switch
        {
            GgmlType.F32 => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
            GgmlType.F16 => MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
            GgmlType.BF16 => MemoryMarshal.AsBytes(values.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >> 16)).ToArray().AsSpan()).ToArray(),
            _ => throw new ArgumentException(type.ToString()),
        };
        w.AddTensor(name, type, [n], bytes);
    }

    private static float[] Logits(string path)
    {
        using InferenceModel model = InferenceModel.Load(path);
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 8 });
        var logits = new float[3 * Vocab];
        session.ForwardAll([3, 17, 40], logits);
        return logits;
    }

    [TestCaseSource(nameof(VectorTypes))]
    public void EveryOneDimensionalTypeCheckAccepts_Loads_AndGivesTheF32Logits(string type)
    {
        GgmlType vector = Enum.Parse<GgmlType>(type);
        string path = Write(vector, GgmlType.F32);
        ModelCheckReport r = ModelCheck.Run(path);
        Assert.That(r.Passed, r.FailureReason);
        float[] reference = Logits(Write(GgmlType.F32, GgmlType.F32));
        Assert.That(reference.Any(v => v != 0), "the norms shape the logits");
        Assert.That(Logits(path), Is.EqualTo(reference));
    }

    [TestCaseSource(nameof(MatrixTypes))]
    public void EveryMatrixTypeCheckAccepts_Loads_AndGivesTheF32Logits(string type)
    {
        GgmlType matrix = Enum.Parse<GgmlType>(type);
        string path = Write(GgmlType.F32, matrix);
        ModelCheckReport r = ModelCheck.Run(path);
        Assert.That(r.Passed, r.FailureReason);
        Assert.That(Logits(path), Is.EqualTo(Logits(Write(GgmlType.F32, GgmlType.F32))));
    }
}
