using System.Diagnostics;
using NativeInfer.Gpu.Devices;
using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.GpuCheck;

/// <summary>
/// The int4 GEMM through the device interface on DeepSeek-V2-Lite's shapes: activations converted to f16 by an
/// ILGPU kernel, the GEMM queued on the same stream, the result converted back by another kernel, one read at
/// the end — so a missing ordering between ILGPU and libnativeinfer_cuda shows up as a wrong product. Checked
/// against float64 over the dequantized Q4_0 weights on 64 sampled output columns (mean|Δ|/mean|ref| &lt; 1e-3,
/// the bound of test_cuda_gemm). The time per GEMM is printed for orientation only; bench_marlin is the benchmark.
/// </summary>
internal static class MarlinCheck
{
    // (name, K, N): every projection shape of DeepSeek-V2-Lite.
    private static readonly (string Name, int K, int N)[] Shapes =
    [
        ("q_proj 2048x3072", 2048, 3072), ("kv_a 2048x576", 2048, 576), ("kv_b 512x4096", 512, 4096), ("o_proj 2048x2048", 2048, 2048),
        ("expert gate/up 2048x1408", 2048, 1408), ("expert down 1408x2048", 1408, 2048), ("dense mlp 2048x10944", 2048, 10944),
    ];

    public static void Run(IGpuDevice device, int[] ms, CheckReport report)
    {
        using KernelPool pool = KernelPool.Create(0);
        foreach (var (name, k, n) in Shapes)
        {
            try
            {
                float[] w = Random(n + k, n * k, 0.05f);
                var q4 = new byte[(long)n * (k / 32) * 18];
                pool.Quantize(NiType.Q4_0, w, q4, n, k);
                var dense = new float[(long)n * k];
                pool.Dequantize(NiType.Q4_0, q4, dense, n, k);
                using MarlinWeights weights = device.UploadMarlin(NiType.Q4_0, q4, n, k);
                foreach (int m in ms) RunOne(device, weights, dense, name, m, n, k, report);
            }
            catch (Exception e)
            {
                report.Result($"Marlin {name}", false, $"{e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static void RunOne(IGpuDevice device, MarlinWeights weights, float[] dense, string name, int m, int n, int k, CheckReport report)
    {
        float[] x = Random(m * 7 + k, m * k);
        using var xf = device.Allocate<float>(m * k);
        using var xh = device.Allocate<ushort>(m * k);
        using var ch = device.Allocate<ushort>(m * n);
        using var cf = device.Allocate<float>(m * n);
        device.Upload<float>(x, xf.View);
        device.Kernels.HalfConvert.ToHalf(device.Stream, xf.View, xh.View, m * k);
        device.MarlinGemm(weights, xh.View, ch.View, m);
        device.Kernels.HalfConvert.ToFloat(device.Stream, ch.View, cf.View, m * n);
        var y = new float[m * n];
        device.Download<float>(cf.View, y);

        double num = 0, den = 0;
        int columns = Math.Min(64, n);
        for (int row = 0; row < m; row++)
            for (int j = 0; j < columns; j++)
            {
                int col = (int)((long)j * n / columns);
                double want = 0;
                for (int i = 0; i < k; i++) want += (double)(float)(Half)x[row * k + i] * dense[(long)col * k + i];
                num += Math.Abs(y[row * n + col] - want);
                den += Math.Abs(want);
            }
        double error = num / den;

        int iterations = device.IsEmulated ? 1 : 20;  // the emulation is a CPU loop: time it once
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) device.MarlinGemm(weights, xh.View, ch.View, m);
        device.Synchronize();
        double us = clock.Elapsed.TotalMicroseconds / iterations;
        report.Result($"Marlin {name} M={m}", error < 1e-3, $"mean|Δ|/mean|ref| = {error:E2} over {columns} columns; {us:F1} µs per GEMM (host call included)");
    }

    private static float[] Random(int seed, int count, float scale = 1f)
    {
        var r = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)((r.NextDouble() * 2 - 1) * scale);
        return v;
    }
}
