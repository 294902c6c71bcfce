using System.Diagnostics;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Diagnostics;

/// <summary>One line of the kernel report.</summary>
public sealed record KernelReportLine(string Kernel, NiType Type, long Tokens, double Microseconds, double GigabytesPerSecond,
    double FractionOfBandwidth, double Gflops);

/// <summary>The kernel report: read bandwidth and a few matmuls, measured in one short run.</summary>
public sealed record KernelReportResult(double ReadBandwidthGBs, IReadOnlyList<KernelReportLine> Lines);

/// <summary>
/// A short look at how fast the kernels run here (a few seconds). The numbers of record come from
/// the BenchmarkDotNet suite in bench/; this is what a new user sees first. Decode matmuls rotate
/// over copies of the weights totalling more than twice the last-level cache, so every call reads
/// from DRAM, and are reported as a fraction of the read bandwidth measured by the same pool.
/// </summary>
public static unsafe class KernelReport
{
    public static KernelReportResult Run(KernelPool pool, long rotationBytes = 160L << 20)
    {
        double bandwidth = MemoryBandwidth.Measure(pool, rotationBytes, passes: 5) / 1e9;
        var lines = new List<KernelReportLine>();
        // Every block-quantized weight type of the native table (the float types are plain streams).
        NiType[] types = QuantTypes.WeightTypes.Where(t => QuantTypes.BlockSize(t) > 1).ToArray();
        foreach (NiType type in types)
            lines.Add(MeasureMatMul(pool, type, tokens: 1, m: 1408, k: 2048, rotationBytes, bandwidth));
        foreach (NiType type in types)
            lines.Add(MeasureMatMul(pool, type, tokens: 64, m: 1408, k: 2048, 32L << 20, bandwidth));
        return new KernelReportResult(bandwidth, lines);
    }

    private static KernelReportLine MeasureMatMul(KernelPool pool, NiType type, long tokens, long m, long k, long rotationBytes,
                                                   double bandwidth)
    {
        long rowBytes = QuantTypes.RowSize(type, k), matrixBytes = rowBytes * m;
        int copies = (int)Math.Max(1, rotationBytes / matrixBytes);
        using var weights = new NativeBuffer(matrixBytes * copies);
        using var x = new NativeBuffer(tokens * k * 4);
        using var y = new NativeBuffer(tokens * m * 4);
        var random = new Random(7);
        byte* w = (byte*)weights.Pointer;
        // RandomWeights also fills the read-only formats (the i-quants), which no quantizer writes.
        RandomWeights.Fill(pool, type, new Span<byte>(w, checked((int)matrixBytes)), m, k, random, 0.05f);
        // The copies repeat the first: quantizing is slow for the searching quantizers, and the values do not change the speed.
        for (int c = 1; c < copies; c++) Buffer.MemoryCopy(w, w + c * matrixBytes, matrixBytes, matrixBytes);
        KernelSelfCheck.Gaussian(random, (int)(tokens * k), 1f).CopyTo(x.AsSpan<float>());

        int calls = Math.Max(copies * 2, tokens > 1 ? 8 : 64);
        for (int c = 0; c < copies; c++) Call(c);  // warm-up: page in, grow scratch
        long start = Stopwatch.GetTimestamp();
        for (int c = 0; c < calls; c++) Call(c % copies);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
        double gbs = matrixBytes / seconds / 1e9;
        return new KernelReportLine("matmul", type, tokens, seconds * 1e6, gbs, tokens == 1 ? gbs / bandwidth : double.NaN,
            2.0 * tokens * m * k / seconds / 1e9);

        void Call(int copy) => pool.MatMul(type, w + copy * matrixBytes, (nuint)rowBytes, (float*)x.Pointer, (nuint)(k * 4),
            (float*)y.Pointer, (nuint)(m * 4), tokens, m, k);
    }
}
