using NativeInfer.Gguf;
using NativeInfer.Models.Checking;
using NativeInfer.Runtime;
using NativeInfer.Tests.Models;
using static NativeInfer.Tests.Support.Cli;

namespace NativeInfer.Tests.Runtime;

/// <summary>
/// NaN and infinity in the weights: `check` finds them (1-D tensors always, the rest with --scan-weights), and a
/// forward pass that produces a non-finite logit throws naming the position and the first layer that went bad,
/// instead of handing garbage to the sampler or a logits file. The model is the one-layer llama of
/// <see cref="CheckModels"/> (zero weights, so every value is finite unless a test plants one).
/// </summary>
[NonParallelizable]
public class NonFiniteTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-nonfinite-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>The llama with <paramref name="value"/> at element <paramref name="index"/> of tensor <paramref name="name"/> (F32).</summary>
    private string Model(string? name = null, int index = 0, float value = float.NaN)
    {
        GgufWriter w = CheckModels.LlamaMetadata();
        foreach ((string n, GgmlType type, long[] ne) in CheckModels.LlamaTensors())
        {
            var data = new float[ne.Aggregate(1L, (a, b) => a * b)];
            if (n == name) data[index] = value;
            w.AddTensor(n, type, ne, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        }
        string path = Path.Combine(_dir, $"{name ?? "clean"}.gguf");
        w.WriteTo(path);
        return path;
    }

    [Test]
    public void CleanModel_ForwardsAndChecks()
    {
        string path = Model();
        using InferenceModel model = InferenceModel.Load(path);
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 8 });
        var logits = new float[3 * 64];
        session.ForwardAll([1, 2, 3], logits);
        Assert.That(logits, Is.All.EqualTo(0f));
        ModelCheckReport r = ModelCheck.Run(path, new ModelCheckOptions { ScanAllWeights = true });
        Assert.That(r.Passed, r.FailureReason);
        Assert.That(r.ScannedTensors, Is.EqualTo(12));
    }

    [Test]
    public void NaNInALayerNorm_ForwardThrowsNamingPositionAndLayer_SessionUnchanged()
    {
        using InferenceModel model = InferenceModel.Load(Model("blk.0.attn_norm.weight", 5));
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 8 });
        var logits = new float[64];
        var e = Assert.Throws<NonFiniteLogitsException>(() => session.Forward([7, 9], logits))!;
        Assert.That((e.Position, e.Token, e.Layer, e.Stage), Is.EqualTo((1, 9, (int?)0, (int?)0)));
        Assert.That(e.Message, Is.EqualTo("non-finite logits (NaN) at position 1 (token 9): the hidden state first went non-finite in layer 0 " +
                                          "(model.layers.0); check the weights with `nativeinfer check MODEL --scan-weights`"));
        Assert.That(session.Length, Is.Zero, "the failed pass left nothing in the cache");

        var all = new float[2 * 64];
        e = Assert.Throws<NonFiniteLogitsException>(() => session.ForwardAll([7, 9], all))!;
        Assert.That((e.Position, e.Token), Is.EqualTo((0, 7)), "every position is checked: the first bad one is named");
    }

    [Test]
    public void InfinityInTheHead_IsTracedToTheHead()
    {
        using InferenceModel model = InferenceModel.Load(Model("output.weight", 32 * 10, float.PositiveInfinity));
        using InferenceSession session = model.CreateSession(new SessionOptions { Threads = 1, ContextLength = 8 });
        var e = Assert.Throws<NonFiniteLogitsException>(() => session.Forward([1], new float[64]))!;
        Assert.That((e.Position, e.Layer, e.Stage), Is.EqualTo((0, (int?)null, (int?)null)));
        Assert.That(e.Message, Does.Contain("the hidden state stayed finite, so the output head (lm_head / output.weight) produced it"));
    }

    [Test]
    public void Check_OneDimensionalAlways_MatricesWithScanWeights()
    {
        string norm = Model("blk.0.ffn_norm.weight", 31, float.NegativeInfinity);
        Assert.That(ModelCheck.Run(norm).FailureReason, Is.EqualTo("blk.0.ffn_norm.weight: F32 value 31 is NaN or infinite"));

        string matrix = Model("blk.0.attn_q.weight", 1000);
        Assert.That(ModelCheck.Run(matrix).Passed, "2-D tensors are read only with ScanAllWeights");
        Assert.That(ModelCheck.Run(matrix, new ModelCheckOptions { ScanAllWeights = true }).FailureReason,
                    Is.EqualTo("blk.0.attn_q.weight: F32 value 1000 is NaN or infinite"));

        AssertOneLineError(Run("check", norm), 1, "check failed: blk.0.ffn_norm.weight: F32 value 31 is NaN or infinite");
        Assert.That(Run("check", matrix).Code, Is.EqualTo(0));
        var scanned = Run("check", matrix, "--scan-weights");
        Assert.That(scanned.Out, Does.Contain("values: 12 float tensors scanned for NaN and infinity, 1 hold non-finite values")
                                   .And.Contain("✗ blk.0.attn_q.weight: F32 value 1000 is NaN or infinite"));
    }

    [Test]
    public void LogitsAndGenerate_FailInOneLine_NoNaNFileWritten()
    {
        string path = Model("blk.0.attn_norm.weight", 0);
        string output = Path.Combine(_dir, "out.f32");
        AssertOneLineError(Run("logits", path, "--tokens", "1,2,3", "--out", output), 1, "non-finite logits (NaN) at position 0 (token 1): the hidden state first went non-finite in layer 0");
        Assert.That(File.Exists(output) || File.Exists(output + ".partial"), Is.False);
    }

    [TestCase("F16")]
    [TestCase("BF16")]
    [TestCase("F32")]
    public void WeightScan_FindsTheFirstNonFiniteValue_LikeAScalarConversion(string type)
    {
        // Random bit patterns (many NaN and infinity encodings among them), against .NET's own conversions.
        var random = new Random(42);
        int size = type == "F32" ? 4 : 2;
        for (int trial = 0; trial < 200; trial++)
        {
            int count = random.Next(1, 300);
            var bytes = new byte[count * size];
            random.NextBytes(bytes);
            // Most trials: clear the exponent's top bit everywhere except where the test puts a non-finite value.
            if (trial % 4 != 0)
            {
                for (int i = 0; i < count; i++) bytes[i * size + size - 1] &= 0x3F;
                if (trial % 2 == 0)
                {
                    int at = random.Next(count) * size;
                    if (type == "F16") bytes[at + 1] |= 0x7C;
                    else
                    {
                        bytes[at + size - 1] |= 0x7F;
                        bytes[at + size - 2] |= 0x80;
                    }
                }
            }
            long expected = -1;
            for (int i = 0; i < count && expected < 0; i++)
            {
                bool finite = type switch
                {
                    "F32" => float.IsFinite(BitConverter.ToSingle(bytes, i * 4)),
                    "F16" => Half.IsFinite(BitConverter.ToHalf(bytes, i * 2)),
                    _ => float.IsFinite(BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(bytes, i * 2) << 16)),
                };
                if (!finite) expected = i;
            }
            unsafe
            {
                fixed (byte* p = bytes)
                    Assert.That(WeightScan.FirstNonFinite(type, p, count), Is.EqualTo(expected), $"trial {trial}");
            }
        }
    }
}
