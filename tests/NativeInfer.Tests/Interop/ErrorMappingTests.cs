using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Tests.Interop;

/// <summary>Every bad argument of the kernel ABI becomes a typed exception carrying ni_last_error().</summary>
public unsafe class ErrorMappingTests
{
    private KernelPool _pool = null!;

    [OneTimeSetUp]
    public void Start() => _pool = KernelPool.Create(2);

    [OneTimeTearDown]
    public void Stop() => _pool.Dispose();

    private const int K = 64, M = 4, N = 2;
    private static readonly nuint Row = (nuint)QuantTypes.RowSize(NiType.Q4_0, K);

    private static TException Native<TException>(Func<NiStatus> call, string expectedText) where TException : NiException
    {
        var e = Assert.Throws<TException>(() => NiException.ThrowIfFailed(call()))!;
        Assert.That(e.Message, Does.Contain(expectedText));
        Assert.That(e.NativeMessage, Is.EqualTo(e.Message));
        return e;
    }

    [Test]
    public void MatMul_BadArguments_ThrowTypedExceptions()
    {
        byte[] w = new byte[(int)Row * M];
        float[] x = new float[N * K], y = new float[N * M];
        fixed (byte* pw = w)
        fixed (float* px = x, py = y)
        {
            byte* W = pw; float* X = px, Y = py;
            var h = _pool.Handle;
            Native<NiInvalidArgumentException>(() => NativeMethods.MatMul(h, 2, null, Row, X, K * 4, Y, M * 4, N, M, K), "w is null");
            Native<NiInvalidArgumentException>(() => NativeMethods.MatMul(h, 2, W, Row, null, K * 4, Y, M * 4, N, M, K), "x is null");
            Native<NiInvalidArgumentException>(() => NativeMethods.MatMul(h, 2, W, Row, X, K * 4, null, M * 4, N, M, K), "y is null");
            Native<NiInvalidArgumentException>(() => NativeMethods.MatMul(h, 2, W, Row, X, K * 4, Y, M * 4, 0, M, K), "n must be > 0");
            Native<NiInvalidArgumentException>(() => NativeMethods.MatMul(h, 2, W, Row, X, K * 4, Y, M * 4, N, 0, K), "m must be > 0");
            Native<NiShapeException>(() => NativeMethods.MatMul(h, 2, W, Row, X, K * 4, Y, M * 4, N, M, 40), "not a multiple of the q4_0 block size 32");
            Native<NiUnsupportedTypeException>(() => NativeMethods.MatMul(h, 77, W, Row, X, K * 4, Y, M * 4, N, M, K), "unknown type id 77");
            Native<NiInvalidArgumentException>(() => NativeMethods.MatMul(h, 2, W, Row, X, K * 4, X + 4, M * 4, N, M, K), "y overlaps x");
        }
    }

    /// <summary>The i-quants are read only: quantizing to one is refused naming the type, and QuantTypes says so.</summary>
    [TestCase(NiType.IQ2_XXS, "iq2_xxs")]
    [TestCase(NiType.IQ2_XS, "iq2_xs")]
    [TestCase(NiType.IQ2_S, "iq2_s")]
    [TestCase(NiType.IQ3_XXS, "iq3_xxs")]
    [TestCase(NiType.IQ3_S, "iq3_s")]
    [TestCase(NiType.IQ1_S, "iq1_s")]
    [TestCase(NiType.IQ1_M, "iq1_m")]
    public void Quantize_ReadOnlyType_ThrowsUnsupportedTypeNamingIt(NiType type, string name)
    {
        var e = Assert.Throws<NiUnsupportedTypeException>(() => _pool.Quantize(type, new float[256], new byte[256], 1, 256))!;
        Assert.That(e.Message, Does.Contain(name));
        Assert.That(QuantTypes.CanQuantize(type), Is.False);
        Assert.That(QuantTypes.WeightTypes, Does.Contain(type), "read, multiplied, not written");
    }

    [Test]
    public void CanQuantize_TheWritableWeightTypes() =>
        Assert.That(new[] { NiType.F32, NiType.F16, NiType.BF16, NiType.Q4_0, NiType.Q8_0, NiType.Q4_K, NiType.Q6_K }.All(QuantTypes.CanQuantize), Is.True);

    [Test]
    public void MatMul_NullPool_IsInvalidArgument()
    {
        var e = Assert.Throws<NiInvalidArgumentException>(() =>
            NiException.ThrowIfFailed(NativeMethods.MatMul(new SafePoolHandle(), 2, null, 0, null, 0, null, 0, 1, 1, 32)))!;
        Assert.That(e.Message, Does.Contain("pool is null"));
    }

    [Test]
    public void MoeExperts_ExpertIdOutOfRange_NamesTokenAndSlot()
    {
        const int experts = 4, hidden = 64, ffn = 64, tokens = 2, topK = 2;
        long row = QuantTypes.RowSize(NiType.Q8_0, 64);
        byte[] gate = new byte[row * experts * ffn], up = new byte[row * experts * ffn], down = new byte[row * experts * hidden];
        float[] x = new float[tokens * hidden], output = new float[tokens * hidden], weights = [0.5f, 0.5f, 0.5f, 0.5f];
        fixed (byte* g = gate, u = up, d = down)
        {
            var w = new NiMoeWeights { Gate = g, Up = u, Down = d, GateType = 8, UpType = 8, DownType = 8, NExperts = experts, Hidden = hidden, Ffn = ffn };
            var e = Assert.Throws<NiInvalidArgumentException>(() => _pool.MoeExperts(w, x, [0, 1, 9, 2], weights, output, tokens, topK))!;
            Assert.That(e.Message, Does.Contain("expert_ids[1][0] = 9 is outside [0, 4)"));
            w.DownType = (int)NiType.Q4_K;
            Assert.Throws<NiShapeException>(() => _pool.MoeExperts(w, x, [0, 1, 3, 2], weights, output, tokens, topK));
        }
    }

    [Test]
    public void Pool_BadThreadCountAndIsa_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelPool.Create(-1));
        var e = Assert.Throws<NiInvalidArgumentException>(() => KernelPool.Create(1, (NiIsa)42))!;
        Assert.That(e.Message, Does.Contain("unknown ISA id 42"));
    }

    [Test]
    public void SpanOverloads_CheckLengthsBeforeCallingNative()
    {
        var e = Assert.Throws<ArgumentException>(() => _pool.MatMul(NiType.Q4_0, new byte[10], new float[N * K], new float[N * M], N, M, K))!;
        Assert.That(e.ParamName, Is.EqualTo("w"));
        Assert.Throws<NiShapeException>(() => QuantTypes.RowSize(NiType.Q4_K, 1408));
    }
}
