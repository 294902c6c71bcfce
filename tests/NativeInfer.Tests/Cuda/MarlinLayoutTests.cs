using NativeInfer.Cuda;
using NativeInfer.Interop;
using NativeInfer.Tests.Support;
using static NativeInfer.Tests.Cuda.MarlinLayoutReference;

namespace NativeInfer.Tests.Cuda;

/// <summary>The native repack through the interop against the C# layout reference, bit for bit. No GPU needed.</summary>
public class MarlinLayoutTests
{
    [SetUp]
    public void RequireLibrary() => CudaRequirement.Library();

    private static byte[] RandomQ4_0(int seed, long n, long k, out byte[] q, out ushort[] d)
    {
        var random = new Random(seed);
        long blocks = k / 32;
        var bytes = new byte[n * blocks * 18];
        q = new byte[n * k];
        d = new ushort[n * blocks];
        for (long row = 0; row < n; row++)
        for (long b = 0; b < blocks; b++)
        {
            long at = (row * blocks + b) * 18;
            ushort scale = BitConverter.HalfToUInt16Bits((Half)(random.NextSingle() * 0.04f - 0.02f));
            d[row * blocks + b] = scale;
            BitConverter.TryWriteBytes(bytes.AsSpan((int)at), scale);
            for (int j = 0; j < 16; j++)
            {
                byte lo = (byte)random.Next(16), hi = (byte)random.Next(16);
                bytes[at + 2 + j] = (byte)(lo | hi << 4);
                q[row * k + b * 32 + j] = lo;
                q[row * k + b * 32 + j + 16] = hi;
            }
        }
        return bytes;
    }

    [TestCase(64, 128)]
    [TestCase(576, 256)]
    [TestCase(1408, 2048)]
    public void Repack_Q4_0_MatchesLayoutReferenceBitExact(int n, int k)
    {
        byte[] gguf = RandomQ4_0(n + k, n, k, out byte[] q, out ushort[] d);
        (long wb, long sb) = MarlinLayout.PackedSize(n, k, 32);
        byte[] weights = new byte[wb], scales = new byte[sb];
        MarlinLayout.Repack(NiType.Q4_0, gguf, n, k, 32, weights, scales);

        (byte[] expectedWeights, byte[] expectedScales) = Pack(q, d, n, k, 32);
        Assert.That(weights, Is.EqualTo(expectedWeights), "packed weights");
        Assert.That(scales, Is.EqualTo(expectedScales), "packed scales");
    }

    [Test]
    public void Unpack_Q4_0_RoundTripIsLossless()
    {
        const int n = 128, k = 384;
        byte[] gguf = RandomQ4_0(7, n, k, out byte[] q, out ushort[] d);
        (long wb, long sb) = MarlinLayout.PackedSize(n, k, 32);
        byte[] weights = new byte[wb], scales = new byte[sb];
        MarlinLayout.Repack(NiType.Q4_0, gguf, n, k, 32, weights, scales);
        var q2 = new byte[n * k];
        var d2 = new ushort[n * k / 32];
        MarlinLayout.Unpack(weights, scales, n, k, 32, q2, d2);
        Assert.That(q2, Is.EqualTo(q));
        Assert.That(d2, Is.EqualTo(d));
    }

    [TestCase(NiType.F16, 32)]
    [TestCase(NiType.F16, 64)]
    [TestCase(NiType.BF16, 128)]
    [TestCase(NiType.BF16, 256)] // = K: one scale per output column
    public void Repack_Dense_MatchesGgmlQ4_0RuleBitExact(NiType type, int group)
    {
        const int n = 128, k = 256;
        float[] x = NativeInfer.Tests.Support.Reference.Gaussian(group, n * k, 0.05f);
        var raw = new byte[n * k * 2];
        for (int i = 0; i < x.Length; i++)
        {
            ushort bits = type == NiType.F16 ? BitConverter.HalfToUInt16Bits((Half)x[i]) : (ushort)(BitConverter.SingleToUInt32Bits(x[i]) >> 16);
            BitConverter.TryWriteBytes(raw.AsSpan(2 * i), bits);
            x[i] = type == NiType.F16 ? (float)BitConverter.UInt16BitsToHalf(bits) : BitConverter.UInt32BitsToSingle((uint)bits << 16);
        }
        var q = new byte[n * k];
        var d = new ushort[n * (k / group)];
        for (int row = 0; row < n; row++)
        for (int g = 0; g < k / group; g++)
            d[row * (k / group) + g] = QuantizeGroup(x.AsSpan(row * k + g * group, group), q.AsSpan(row * k + g * group, group));

        (long wb, long sb) = MarlinLayout.PackedSize(n, k, group);
        byte[] weights = new byte[wb], scales = new byte[sb];
        MarlinLayout.Repack(type, raw, n, k, group, weights, scales);
        (byte[] expectedWeights, byte[] expectedScales) = Pack(q, d, n, k, group);
        Assert.That(weights, Is.EqualTo(expectedWeights), "packed weights");
        Assert.That(scales, Is.EqualTo(expectedScales), "packed scales");
    }

    [Test]
    public void Repack_BadShapes_ThrowShapeExceptionsNamingTheRule()
    {
        var buffer = new byte[1 << 20];
        var e = Assert.Throws<NiShapeException>(() => MarlinLayout.PackedSize(64, 192, 32))!;
        Assert.That(e.Message, Does.Contain("K = 192 must be a multiple of 128"));
        e = Assert.Throws<NiShapeException>(() => MarlinLayout.PackedSize(100, 256, 32))!;
        Assert.That(e.Message, Does.Contain("N = 100 must be a multiple of 64"));
        e = Assert.Throws<NiShapeException>(() => MarlinLayout.Repack(NiType.Q4_0, buffer, 64, 256, 64, buffer, buffer))!;
        Assert.That(e.Message, Does.Contain("group_size must be 32"));
        Assert.Throws<NiUnsupportedTypeException>(() => MarlinLayout.RowBytes(NiType.Q8_0, 256));
        Assert.That(MarlinLayout.WorkspaceSize(2048), Is.GreaterThanOrEqualTo(2048L * 256));
    }
}
