using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// Writes a synthetic DeepSeek-V2 GGUF with the project's writer: llama.cpp's deepseek2 metadata and
/// tensor names, random weights with sane magnitudes (matrices ~ N(0, 1/fan_in), norms near 1, distinct
/// random routers so routing varies). Large matrices repeat a quantized template of random rows: the
/// values do not change speed, and quantizing hundreds of millions of values would take minutes.
/// </summary>
public static class SyntheticModelWriter
{
    private const int TemplateRows = 256;

    public static void Write(SyntheticModelSpec spec, string path, IProgress<string>? progress = null)
    {
        using KernelPool pool = KernelPool.Create();
        var writer = new GgufWriter();
        AddMetadata(writer, spec);
        var random = new Random(spec.Seed);
        var templates = new Dictionary<(GgmlType, long), byte[]>();

        void Matrix(string name, GgmlType type, long cols, long rows, long depth = 1)
        {
            byte[] template = TemplateFor(pool, templates, type, cols, random);
            long rowBytes = QuantTypes.RowSize(ToKernel(type), cols), total = rowBytes * rows * depth;
            long[] dims = depth == 1 ? [cols, rows] : [cols, rows, depth];
            writer.AddTensor(name, type, dims, stream =>
            {
                for (long written = 0; written < total; written += template.Length)
                    stream.Write(template, 0, (int)Math.Min(template.Length, total - written));
            });
        }

        void Vector(string name, int length, float center, float spread)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = center + spread * (float)(random.NextDouble() * 2 - 1);
            writer.AddTensor(name, GgmlType.F32, [length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }

        void Router(string name, int experts)
        {
            var values = new float[spec.Hidden * experts];
            float scale = 1f / MathF.Sqrt(spec.Hidden);
            for (int i = 0; i < values.Length; i++) values[i] = scale * Gaussian(random);
            writer.AddTensor(name, GgmlType.F32, [spec.Hidden, experts], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }

        int qWidth = spec.Heads * (spec.NopeHeadDim + spec.RopeHeadDim);
        Matrix("token_embd.weight", spec.EmbeddingType, spec.Hidden, spec.Vocab);
        Vector("output_norm.weight", spec.Hidden, 1f, 0.05f);
        Matrix("output.weight", spec.OutputType, spec.Hidden, spec.Vocab);
        for (int l = 0; l < spec.Layers; l++)
        {
            progress?.Report($"layer {l + 1}/{spec.Layers}");
            string b = $"blk.{l}.";
            Vector(b + "attn_norm.weight", spec.Hidden, 1f, 0.05f);
            if (spec.QLoraRank is int qr)
            {
                Matrix(b + "attn_q_a.weight", spec.WeightType, spec.Hidden, qr);
                Vector(b + "attn_q_a_norm.weight", qr, 1f, 0.05f);
                Matrix(b + "attn_q_b.weight", spec.WeightType, qr, qWidth);
            }
            else Matrix(b + "attn_q.weight", spec.WeightType, spec.Hidden, qWidth);
            Matrix(b + "attn_kv_a_mqa.weight", spec.WeightType, spec.Hidden, spec.KvLoraRank + spec.RopeHeadDim);
            Vector(b + "attn_kv_a_norm.weight", spec.KvLoraRank, 1f, 0.05f);
            Matrix(b + "attn_kv_b.weight", spec.WeightType, spec.KvLoraRank, spec.Heads * (spec.NopeHeadDim + spec.VHeadDim));
            Matrix(b + "attn_output.weight", spec.WeightType, spec.Heads * spec.VHeadDim, spec.Hidden);
            Vector(b + "ffn_norm.weight", spec.Hidden, 1f, 0.05f);
            if (l < spec.LeadingDenseBlocks)
            {
                Matrix(b + "ffn_gate.weight", spec.WeightType, spec.Hidden, spec.DenseIntermediate);
                Matrix(b + "ffn_up.weight", spec.WeightType, spec.Hidden, spec.DenseIntermediate);
                Matrix(b + "ffn_down.weight", spec.WeightType, spec.DenseIntermediate, spec.Hidden);
                continue;
            }
            Router(b + "ffn_gate_inp.weight", spec.Experts);
            Matrix(b + "ffn_gate_exps.weight", spec.WeightType, spec.Hidden, spec.ExpertFfn, spec.Experts);
            Matrix(b + "ffn_up_exps.weight", spec.WeightType, spec.Hidden, spec.ExpertFfn, spec.Experts);
            Matrix(b + "ffn_down_exps.weight", spec.WeightType, spec.ExpertFfn, spec.Hidden, spec.Experts);
            if (spec.SharedExperts > 0)
            {
                int shared = spec.SharedExperts * spec.ExpertFfn;
                Matrix(b + "ffn_gate_shexp.weight", spec.WeightType, spec.Hidden, shared);
                Matrix(b + "ffn_up_shexp.weight", spec.WeightType, spec.Hidden, shared);
                Matrix(b + "ffn_down_shexp.weight", spec.WeightType, shared, spec.Hidden);
            }
        }
        progress?.Report($"writing {path}");
        writer.WriteTo(path);
    }

    private static void AddMetadata(GgufWriter w, SyntheticModelSpec s)
    {
        const string a = "deepseek2.";
        w.AddString("general.architecture", "deepseek2");
        w.AddString("general.name", s.Name);
        w.AddUInt32(a + "context_length", (uint)s.ContextLength);
        w.AddUInt32(a + "embedding_length", (uint)s.Hidden);
        w.AddUInt32(a + "block_count", (uint)s.Layers);
        w.AddUInt32(a + "feed_forward_length", (uint)s.DenseIntermediate);
        w.AddUInt32(a + "attention.head_count", (uint)s.Heads);
        w.AddUInt32(a + "attention.head_count_kv", (uint)s.Heads);
        w.AddFloat32(a + "attention.layer_norm_rms_epsilon", 1e-6f);
        w.AddUInt32(a + "attention.key_length", (uint)(s.NopeHeadDim + s.RopeHeadDim));
        w.AddUInt32(a + "attention.value_length", (uint)s.VHeadDim);
        w.AddUInt32(a + "vocab_size", (uint)s.Vocab);
        if (s.QLoraRank is int qr) w.AddUInt32(a + "attention.q_lora_rank", (uint)qr);
        w.AddUInt32(a + "attention.kv_lora_rank", (uint)s.KvLoraRank);
        w.AddUInt32(a + "leading_dense_block_count", (uint)s.LeadingDenseBlocks);
        w.AddUInt32(a + "expert_feed_forward_length", (uint)s.ExpertFfn);
        w.AddUInt32(a + "expert_count", (uint)s.Experts);
        w.AddUInt32(a + "expert_used_count", (uint)s.ExpertsPerToken);
        w.AddUInt32(a + "expert_shared_count", (uint)s.SharedExperts);
        w.AddFloat32(a + "expert_weights_scale", 1f);
        w.AddBool(a + "expert_weights_norm", false);
        w.AddUInt32(a + "expert_gating_func", 1);
        w.AddUInt32(a + "rope.dimension_count", (uint)s.RopeHeadDim);
        w.AddFloat32(a + "rope.freq_base", s.RopeBase);
        w.AddString(a + "rope.scaling.type", "yarn");
        w.AddFloat32(a + "rope.scaling.factor", s.YarnFactor);
        w.AddUInt32(a + "rope.scaling.original_context_length", (uint)s.YarnOriginalContext);
        w.AddFloat32(a + "rope.scaling.yarn_log_multiplier", 0.1f * s.MScaleAllDim);
    }

    private static byte[] TemplateFor(KernelPool pool, Dictionary<(GgmlType, long), byte[]> cache, GgmlType type, long cols, Random random)
    {
        if (cache.TryGetValue((type, cols), out byte[]? t)) return t;
        var values = new float[TemplateRows * cols];
        float scale = 1f / MathF.Sqrt(cols);
        for (int i = 0; i < values.Length; i++) values[i] = scale * Gaussian(random);
        NiType kernelType = ToKernel(type);
        t = new byte[TemplateRows * QuantTypes.RowSize(kernelType, cols)];
        pool.Quantize(kernelType, values, t, TemplateRows, cols);
        return cache[(type, cols)] = t;
    }

    private static float Gaussian(Random r) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()));

    private static NiType ToKernel(GgmlType type) =>
        Runtime.GgufWeightSource.TryKernelType(type, out NiType k) ? k : throw new ArgumentException($"type {type.Name()} is not a kernel type");
}
