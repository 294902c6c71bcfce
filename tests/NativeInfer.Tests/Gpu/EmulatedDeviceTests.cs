using NativeInfer.Cuda;
using NativeInfer.Gpu.Devices;
using NativeInfer.Gpu.Marlin;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Operators;
using NativeInfer.Tensors;
using NativeInfer.Tests.Cuda;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Gpu;

/// <summary>
/// The emulated cuda:N (ILGPU CPU accelerator + the Marlin GEMM's CPU reference on the same buffers) through the
/// interface the decode path will use, the managed Marlin packing against libnativeinfer_cuda's repack, and the
/// real device's failure modes on a machine without a GPU.
/// </summary>
[Category("GpuEmulated")]
public class EmulatedDeviceTests
{
    private static readonly object[] PackCases =
    [
        new object[] { NiType.Q4_0, 32L }, new object[] { NiType.F16, 32L }, new object[] { NiType.F16, 64L }, new object[] { NiType.F16, 128L },
        new object[] { NiType.F16, 256L }, new object[] { NiType.BF16, 128L },
    ];

    private static byte[] Weights(NiType type, long n, long k, int seed)
    {
        float[] w = Reference.Gaussian(seed, (int)(n * k), 0.05f);
        using KernelPool pool = KernelPool.Create(1);
        var rows = new byte[n * MarlinLayout.RowBytes(type, k)];
        pool.Quantize(type, w, rows, n, k);
        return rows;
    }

    [TestCaseSource(nameof(PackCases))]
    public void ManagedPacking_EqualsTheNativeRepackByteForByte(NiType type, long group)
    {
        CudaRequirement.Library();
        const long n = 192, k = 256;
        byte[] rows = Weights(type, n, k, (int)group);
        (byte[] w, byte[] s) = MarlinPacking.Pack(type, rows, n, k, group);
        (long wb, long sb) = MarlinLayout.PackedSize(n, k, group);
        byte[] nw = new byte[wb], ns = new byte[sb];
        MarlinLayout.Repack(type, rows, n, k, group, nw, ns);
        Assert.That(w, Is.EqualTo(nw), "packed weights");
        Assert.That(s, Is.EqualTo(ns), "packed scales");
    }

    [Test]
    public void ManagedPacking_RejectsWhatTheKernelCannotRun()
    {
        Assert.That(() => MarlinPacking.Pack(NiType.Q4_0, new byte[64 * 4 * 18], 64, 128, 64), Throws.ArgumentException.With.Message.Contains("must be 32"));
        Assert.That(() => MarlinPacking.CheckShape(64, 192, 32), Throws.ArgumentException.With.Message.Contains("K = 192 must be a multiple of 128"));
        Assert.That(() => MarlinPacking.CheckShape(100, 256, 32), Throws.ArgumentException.With.Message.Contains("N = 100 must be a multiple of 64"));
        Assert.That(() => MarlinPacking.Pack(NiType.Q8_0, new byte[4096], 64, 128, 32), Throws.TypeOf<NiUnsupportedTypeException>());
        var nan = new byte[64 * 128 * 2];
        nan[0] = 0x00; nan[1] = 0x7E;  // f16 NaN
        Assert.That(() => MarlinPacking.Pack(NiType.F16, nan, 64, 128, 32), Throws.ArgumentException.With.Message.Contains("finite"));
    }

    [TestCase(NiType.Q4_0, 32, 1)]
    [TestCase(NiType.Q4_0, 32, 7)]
    [TestCase(NiType.F16, 256, 3)]  // one scale per column: applied after the sum
    public void MarlinGemm_OnTheEmulatedDevice_MatchesFloat64(NiType type, int group, int m)
    {
        const int n = 128, k = 256;
        byte[] rows = Weights(type, n, k, 3);
        float[] x = Reference.Gaussian(4, m * k);
        using IGpuDevice device = GpuDevices.Open(new Device(DeviceKind.Cuda, 0), emulate: true);
        Assert.That(device.IsEmulated);
        using MarlinWeights w = device.UploadMarlin(type, rows, n, k, group);
        using var xf = device.Allocate<float>(m * k);
        using var xh = device.Allocate<ushort>(m * k);
        using var ch = device.Allocate<ushort>(m * n);
        using var cf = device.Allocate<float>(m * n);
        device.Upload<float>(x, xf.View);
        device.Kernels.HalfConvert.ToHalf(device.Stream, xf.View, xh.View, m * k);
        device.MarlinGemm(w, xh.View, ch.View, m);
        device.Kernels.HalfConvert.ToFloat(device.Stream, ch.View, cf.View, m * n);
        var y = new float[m * n];
        device.Download<float>(cf.View, y);

        // float64 over the weights the int4 format holds: Q4_0 exactly as the CPU dequantizes it; F16 quantized
        // by the same Q4_0 rule per column (MarlinPacking, held to the native repack above), read back from its layout.
        float[] dense = Dense(type, rows, n, k, group);
        float[] xr = x.Select(v => (float)(Half)v).ToArray();
        double[] reference = Reference.MatMul(dense, xr, m, n, k);
        double num = 0, den = 0;
        for (int i = 0; i < y.Length; i++) { num += Math.Abs(y[i] - reference[i]); den += Math.Abs(reference[i]); }
        TestContext.Out.WriteLine($"{device.Description}: {type} group {group}, M={m}: mean|Δ|/mean|ref| = {num / den:E2}");
        Assert.That(num / den, Is.LessThan(1e-3));
    }

    private static float[] Dense(NiType type, byte[] rows, int n, int k, int group)
    {
        var dense = new float[n * k];
        if (type == NiType.Q4_0)
        {
            using KernelPool pool = KernelPool.Create(1);
            pool.Dequantize(type, rows, dense, n, k);
            return dense;
        }
        (byte[] w, byte[] s) = MarlinPacking.Pack(type, rows, n, k, group);
        for (int r = 0; r < n; r++)
            for (int c = 0; c < k; c++)
            {
                (long b, int shift) = MarlinPacking.WeightPosition(c, r, n);
                long si = MarlinPacking.ScalePosition(c / group, r, n);
                dense[r * k + c] = ((w[b] >> shift & 0xF) - 8) * (float)BitConverter.UInt16BitsToHalf((ushort)(s[2 * si] | s[2 * si + 1] << 8));
            }
        return dense;
    }

    [Test]
    public unsafe void DecodeSlice_EmbeddingNormGemmResidual_OnOneStream_MatchesFloat64()
    {
        // The shape of a decode step's first half, through the interface only: embedding row, RMSNorm, f16, int4
        // GEMM, back to f32, residual add — queued on one stream, read back once.
        const int vocab = 5, dim = 128, outDim = 128;
        float[] table = Reference.Gaussian(30, vocab * dim), norm = Reference.Gaussian(31, dim);
        byte[] rows = Weights(NiType.Q4_0, outDim, dim, 32);
        using IGpuDevice device = EmulatedGpuDevice.Open(1, warpSize: 8, warps: 2);
        Assert.That(device.Device.ToString(), Is.EqualTo("cuda:1"));
        using var tb = device.Allocate<byte>(table.Length * 4);
        device.Upload<byte>(System.Runtime.InteropServices.MemoryMarshal.AsBytes(table.AsSpan()), tb.View);
        using var nb = device.Allocate<float>(dim);
        device.Upload<float>(norm, nb.View);
        using var ids = device.Allocate<int>(1);
        device.Upload<int>([3], ids.View);
        using MarlinWeights w = device.UploadMarlin(NiType.Q4_0, rows, outDim, dim);
        using var hidden = device.Allocate<float>(dim);
        using var normed = device.Allocate<float>(dim);
        using var h16 = device.Allocate<ushort>(dim);
        using var o16 = device.Allocate<ushort>(outDim);
        using var o = device.Allocate<float>(outDim);

        var k = device.Kernels;
        k.Embedding.Launch(device.Stream, NiType.F32, tb.View, vocab, dim, ids.View, 1, hidden.View);
        k.RmsNorm.Launch(device.Stream, hidden.View, nb.View, normed.View, 1, dim, dim, 1e-6f);
        k.HalfConvert.ToHalf(device.Stream, normed.View, h16.View, dim);
        device.MarlinGemm(w, h16.View, o16.View, 1);
        k.HalfConvert.ToFloat(device.Stream, o16.View, o.View, outDim);
        k.ResidualAdd.Launch(device.Stream, o.View, hidden.View, outDim);
        var got = new float[outDim];
        device.Download<float>(o.View, got);

        var x = table.AsSpan(3 * dim, dim).ToArray();
        var xn = new float[dim];
        fixed (float* px = x, pn = norm, py = xn) RmsNormOperator.Apply(px, 1, dim, 1e-6f, pn, py);
        float[] xh = xn.Select(v => (float)(Half)v).ToArray();
        double[] product = Reference.MatMul(Dense(NiType.Q4_0, rows, outDim, dim, 32), xh, 1, outDim, dim);
        for (int i = 0; i < outDim; i++)
            Assert.That(got[i], Is.EqualTo(product[i] + x[i]).Within(2e-3 * (Math.Abs(product[i]) + 1)), $"output {i}");
    }

    [Test]
    public void RealDevice_WithoutGpu_IsOneTypedLine()
    {
        if (CudaDevice.Availability.IsAvailable) Assert.Ignore("a CUDA device is present; this test covers machines without one");
        var e = Assert.Throws<GpuUnavailableException>(() => GpuDevices.Open(new Device(DeviceKind.Cuda, 0)).Dispose())!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.StartWith("cuda:0: "));
        Assert.That(e.Message, Does.Not.Contain('\n'));
        Assert.That(e.Reason, Is.EqualTo(CudaDevice.Availability.RuntimeVersion == 0 ? GpuUnavailableReason.LibraryMissing : GpuUnavailableReason.NoDevice));
        Assert.Throws<ArgumentException>(() => GpuDevices.Open(Device.Cpu));
    }
}
