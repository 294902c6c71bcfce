using NativeInfer.Config;
using NativeInfer.Gpu.Devices;
using NativeInfer.Gpu.Kernels;
using NativeInfer.Interop;

namespace NativeInfer.GpuCheck;

/// <summary>
/// Every kernel on DeepSeek-V2-Lite shapes (and Qwen3's GQA with q/k norms), run with the same inputs on the
/// device under test and on a reference device (the emulation: ILGPU's CPU accelerator, whose results the
/// GpuEmulated tests hold to the CPU operators and float64). Each case is a function of the device that
/// returns the outputs; tolerances are f32 summation-order differences (group sizes differ, FMA contraction).
/// </summary>
internal static class KernelComparison
{
    public static void Run(IGpuDevice device, IGpuDevice reference, CheckReport report)
    {
        Compare(report, "RMSNorm 4 × 2048", device, reference, RmsNorm, 2e-6);
        Compare(report, "RoPE d_r 64 YaRN ×40, 16 heads, positions 1000-1002", device, reference, Rope, 1e-6);
        Compare(report, "SiLU·mul 10944", device, reference, d => SiluMul(d), 1e-6);
        Compare(report, "residual add 2048", device, reference, ResidualAdd, 0);
        Compare(report, "f32 → f16 → f32, 65536 values", device, reference, HalfRoundTrip, 0);
        Compare(report, "embedding Q8_0 64 × 2048, 3 tokens", device, reference, Embedding, 0);
        Compare(report, "F16 dense 64 × 2048 (router gate)", device, reference, Dense, 1e-5);
        CompareRouter(report, "router V2-Lite: softmax, top-6 of 64", device, reference,
            new MoeConfig { NumExperts = 64, ExpertsPerToken = 6, ExpertIntermediateSize = 1408, RoutedScalingFactor = 1f });
        CompareRouter(report, "router V3: sigmoid + bias, noaux_tc 4 of 8 groups, top-8 of 256", device, reference,
            new MoeConfig
            {
                NumExperts = 256, ExpertsPerToken = 8, ExpertIntermediateSize = 2048, Routing = RoutingMethod.NoAuxTopKGroups, NumGroups = 8,
                TopKGroups = 4, Scoring = ScoringFunction.Sigmoid, SelectionBias = true, NormalizeTopKProbabilities = true, RoutedScalingFactor = 2.5f,
            });
        Compare(report, "MLA V2-Lite: 16 heads, r 512, decode at position 299", device, reference, Mla, 2e-5);
        Compare(report, "GQA Qwen3: 32 / 4 heads of 128, q/k norms, decode at position 199", device, reference, Gqa, 2e-5);
    }

    private static void Compare(CheckReport report, string name, IGpuDevice device, IGpuDevice reference, Func<IGpuDevice, float[]> run, double tolerance)
    {
        try
        {
            report.Compare(name, run(device), run(reference), tolerance);
        }
        catch (Exception e)
        {
            report.Result(name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static void CompareRouter(CheckReport report, string name, IGpuDevice device, IGpuDevice reference, MoeConfig moe)
    {
        try
        {
            var (ids, weights) = Router(device, moe);
            var (refIds, refWeights) = Router(reference, moe);
            report.CompareExact(name + " (ids)", ids, refIds);
            report.Compare(name + " (weights)", weights, refWeights, 3e-6);
        }
        catch (Exception e)
        {
            report.Result(name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static float[] Random(int seed, int count, float scale = 1f)
    {
        var r = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)((r.NextDouble() * 2 - 1) * scale);
        return v;
    }

    private static float[] RmsNorm(IGpuDevice d)
    {
        const int rows = 4, dim = 2048;
        using var x = Load(d, Random(1, rows * dim, 3f));
        using var w = Load(d, Random(2, dim));
        using var y = d.Allocate<float>(rows * dim);
        d.Kernels.RmsNorm.Launch(d.Stream, x.View, w.View, y.View, rows, dim, dim, 1e-6f);
        return Read(d, y);
    }

    private static float[] Rope(IGpuDevice d)
    {
        var rope = new RopeConfig
        {
            Base = 10000f, Dimensions = 64, Style = RopeStyle.AdjacentPairs,
            Scaling = new RopeScaling { Type = RopeScalingType.Yarn, Factor = 40f, OriginalContextLength = 4096, BetaFast = 32, BetaSlow = 1, MScale = 0.707f, MScaleAllDim = 0.707f },
        };
        RopeTable table = RopeTable.Create(rope, 1024);
        const int tokens = 3, heads = 16, width = 192;  // q_pe inside [q_nope 128 | q_pe 64] heads
        using var x = Load(d, Random(3, tokens * heads * width));
        using var cos = Load(d, table.Cos);
        using var sin = Load(d, table.Sin);
        d.Kernels.Rope.Launch(d.Stream, x.View.SubView(128, tokens * heads * width - 128), cos.View, sin.View, table, tokens, heads, heads * width, width, 1000);
        return Read(d, x);
    }

    private static float[] SiluMul(IGpuDevice d)
    {
        const int n = 10944;
        using var g = Load(d, Random(4, n, 6f));
        using var u = Load(d, Random(5, n));
        d.Kernels.SiluMul.Launch(d.Stream, g.View, u.View, n);
        return Read(d, g);
    }

    private static float[] ResidualAdd(IGpuDevice d)
    {
        using var y = Load(d, Random(6, 2048));
        using var x = Load(d, Random(7, 2048));
        d.Kernels.ResidualAdd.Launch(d.Stream, y.View, x.View, 2048);
        return Read(d, y);
    }

    private static float[] HalfRoundTrip(IGpuDevice d)
    {
        const int n = 65536;
        using var x = Load(d, Random(8, n, 70000f));
        using var h = d.Allocate<ushort>(n);
        using var y = d.Allocate<float>(n);
        d.Kernels.HalfConvert.ToHalf(d.Stream, x.View, h.View, n);
        d.Kernels.HalfConvert.ToFloat(d.Stream, h.View, y.View, n);
        return Read(d, y);
    }

    private static float[] Embedding(IGpuDevice d)
    {
        const int vocab = 64, dim = 2048;
        // Q8_0 rows built here: f16 scale 1/64, values −127..127.
        var table = new byte[vocab * dim / 32 * 34];
        var r = new Random(9);
        for (int b = 0; b < table.Length; b += 34)
        {
            table[b] = 0x00;
            table[b + 1] = 0x24;  // f16 0x2400 = 1/64
            for (int j = 0; j < 32; j++) table[b + 2 + j] = (byte)(sbyte)r.Next(-127, 128);
        }
        using var t = d.Allocate<byte>(table.Length);
        d.Upload<byte>(table, t.View);
        using var ids = d.Allocate<int>(3);
        d.Upload<int>([63, 0, 17], ids.View);
        using var y = d.Allocate<float>(3 * dim);
        d.Kernels.Embedding.Launch(d.Stream, NiType.Q8_0, t.View, vocab, dim, ids.View, 3, y.View);
        return Read(d, y);
    }

    private static float[] Dense(IGpuDevice d)
    {
        const int n = 64, k = 2048;
        ushort[] w = Random(10, n * k, 0.05f).Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        using var wb = d.Allocate<ushort>(w.Length);
        d.Upload<ushort>(w, wb.View);
        using var x = Load(d, Random(11, k));
        using var y = d.Allocate<float>(n);
        d.Kernels.DenseF16.Launch(d.Stream, wb.View, null, x.View, y.View, 1, n, k);
        return Read(d, y);
    }

    private static (int[] Ids, float[] Weights) Router(IGpuDevice d, MoeConfig moe)
    {
        const int tokens = 4;
        int e = moe.NumExperts, k = moe.ExpertsPerToken;
        using var logits = Load(d, Random(12, tokens * e, 3f));
        using var bias = Load(d, Random(13, e, 0.2f));
        using var ids = d.Allocate<int>(tokens * k);
        using var weights = d.Allocate<float>(tokens * k);
        using var scratch = d.Allocate<float>(tokens * RouterKernel.ScratchFloatsPerToken(moe));
        using var flags = d.Allocate<int>(tokens * e);
        d.Kernels.Router.Launch(d.Stream, moe, logits.View, tokens, moe.SelectionBias ? bias.View : null, ids.View, weights.View, scratch.View, flags.View);
        var i = new int[tokens * k];
        var w = new float[tokens * k];
        d.Download<int>(ids.View, i);
        d.Download<float>(weights.View, w);
        return (i, w);
    }

    private static float[] Mla(IGpuDevice d)
    {
        var s = new MlaShape { Heads = 16, Nope = 128, Rope = 64, Value = 128, Rank = 512, CacheStride = 576 };
        const int start = 299, tokens = 1, total = 300;
        ushort[] kvB = Random(14, s.Heads * (s.Nope + s.Value) * s.Rank, 0.05f).Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        using var kv = d.Allocate<ushort>(kvB.Length);
        d.Upload<ushort>(kvB, kv.View);
        using var cache = Load(d, Random(15, total * 576));
        using var q = Load(d, Random(16, tokens * s.Heads * (s.Nope + s.Rope)));
        using var scratch = d.Allocate<float>(MlaAttention.ScratchFloats(s, tokens, total));
        using var o = d.Allocate<float>(tokens * s.Heads * s.Value);
        d.Kernels.Mla.Launch(d.Stream, s, q.View, kv.View, cache.View, tokens, start, 1f / MathF.Sqrt(192), scratch.View, o.View);
        return Read(d, o);
    }

    private static float[] Gqa(IGpuDevice d)
    {
        var s = new GqaShape { Heads = 32, KvHeads = 4, HeadDim = 128, ValueDim = 128, CacheStride = 1024 };
        const int start = 199, tokens = 1, total = 200;
        RopeTable table = RopeTable.Create(new RopeConfig { Base = 1_000_000f, Dimensions = 128, Style = RopeStyle.Neox }, 256);
        using var q = Load(d, Random(17, tokens * 32 * 128));
        using var k = Load(d, Random(18, tokens * 4 * 128));
        using var v = Load(d, Random(19, tokens * 4 * 128));
        using var qn = Load(d, Random(20, 128));
        using var kn = Load(d, Random(21, 128));
        using var cos = Load(d, table.Cos);
        using var sin = Load(d, table.Sin);
        using var cache = Load(d, Random(22, total * 1024));
        using var scratch = d.Allocate<float>(GqaAttention.ScratchFloats(s, tokens, total));
        using var o = d.Allocate<float>(tokens * 32 * 128);
        d.Kernels.Gqa.Launch(d.Stream, s, q.View, k.View, v.View, new GqaAttention.HeadNorms(qn.View, kn.View, 1e-6f), table, cos.View, sin.View,
            cache.View, tokens, start, scratch.View, o.View);
        return Read(d, o);
    }

    private static ILGPU.Runtime.MemoryBuffer1D<float, ILGPU.Stride1D.Dense> Load(IGpuDevice d, float[] values)
    {
        var b = d.Allocate<float>(values.Length);
        d.Upload<float>(values, b.View);
        return b;
    }

    private static float[] Read(IGpuDevice d, ILGPU.Runtime.MemoryBuffer1D<float, ILGPU.Stride1D.Dense> b)
    {
        var values = new float[b.Length];
        d.Download<float>(b.View, values);
        return values;
    }
}
