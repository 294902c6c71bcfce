using NativeInfer.Cli;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Quantization;
using NativeInfer.Tests.Support;

namespace NativeInfer.Tests.Cli;

/// <summary>
/// `nativeinfer quantize` end to end: the output is re-read, every tensor's type follows the rules,
/// copied tensors and metadata are unchanged, and dequantized weights stay within the format's error
/// of the originals (elementwise bound per block and relative RMS).
/// </summary>
public class QuantizeCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("ni-quantize-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Support.Cli.Run(args);

    /// <summary>Values of a tensor as f32 (F32 read directly; others through the native dequantizer, which GgufTensorDataTests checks against the reference tooling).</summary>
    private static float[] Values(KernelPool pool, GgufTensor t)
    {
        if (t.Type == GgmlType.F32) return t.AsSpan<float>().ToArray();
        var values = new float[t.ElementCount];
        pool.Dequantize((NiType)(int)t.Type, t.AsSpan(), values, t.RowCount, t.Ne(0));
        return values;
    }

    /// <summary>
    /// Largest error a correct encoder can make on one value of a block with max |x| = amax:
    /// Q4_0 steps of d = amax/8 and clamps the top code (error up to d), d stored as fp16 (|q| ≤ 8 times
    /// 2⁻¹¹·d); Q5_0 the same with d = amax/16 (|q| ≤ 16); Q8_0 rounds to d = amax/127 (d/2) with
    /// |q| ≤ 127 times 2⁻¹¹·d.
    /// </summary>
    private static double BlockBound(GgmlType type, double amax) => type switch
    {
        GgmlType.Q4_0 => amax / 8 * (1 + 8 * Math.ScaleB(1, -11)) + 1e-30,
        GgmlType.Q5_0 => amax / 16 * (1 + 16 * Math.ScaleB(1, -11)) + 1e-30,
        GgmlType.Q8_0 => amax / 127 * (0.5 + 127 * Math.ScaleB(1, -11)) + 1e-30,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static double RelativeRms(float[] original, float[] quantized)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < original.Length; i++)
        {
            double d = (double)quantized[i] - original[i];
            err += d * d;
            norm += (double)original[i] * original[i];
        }
        return Math.Sqrt(err / Math.Max(norm, 1e-300));
    }

    [Test]
    public void TinyQwen2Moe_ToQ4_0_TypesDimsMetadataAndErrorBounds()
    {
        string input = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string output = Path.Combine(_dir, "q4_0.gguf");
        var (code, stdout, stderr) = Run("quantize", input, output, "--type", "q4_0", "--threads", "2");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("35 → q4_0, 0 fell back to another type, 19 copied unchanged (19 1-D)"));

        using GgufFile source = GgufFile.Open(input);
        using GgufFile result = GgufFile.Open(output);
        using KernelPool pool = KernelPool.Create(2);

        Assert.That(result.Metadata.Keys, Is.EqualTo(source.Metadata.Keys.Append("general.quantization_version")));
        foreach (GgufMetadataEntry e in source.Metadata.Where(e => e.Key != "general.file_type"))
            Assert.That(result.Metadata.GetEntry(e.Key).GetValue(), Is.EqualTo(e.GetValue()), e.Key);
        Assert.That(result.Metadata.GetUInt32("general.file_type"), Is.EqualTo(2), "LLAMA_FTYPE_MOSTLY_Q4_0");
        Assert.That(result.Metadata.GetUInt32("general.quantization_version"), Is.EqualTo(2));

        Assert.That(result.Tensors.Select(t => t.Name), Is.EqualTo(source.Tensors.Select(t => t.Name)));
        double worstRms = 0;
        foreach (GgufTensor before in source.Tensors)
        {
            GgufTensor after = result.GetTensor(before.Name);
            Assert.That(after.Dimensions.ToArray(), Is.EqualTo(before.Dimensions.ToArray()), before.Name);
            if (before.DimensionCount == 1)
            {
                Assert.That(after.Type, Is.EqualTo(before.Type), before.Name);
                Assert.That(after.AsSpan().SequenceEqual(before.AsSpan()), Is.True, $"{before.Name} is copied bit for bit");
                continue;
            }
            Assert.That(after.Type, Is.EqualTo(GgmlType.Q4_0), before.Name);
            float[] x = Values(pool, before), q = Values(pool, after);
            for (int b = 0; b < x.Length; b += 32)
            {
                double amax = 0;
                for (int i = b; i < b + 32; i++) amax = Math.Max(amax, Math.Abs(x[i]));
                double bound = BlockBound(GgmlType.Q4_0, amax);
                for (int i = b; i < b + 32; i++)
                    if (Math.Abs(q[i] - x[i]) > bound)
                        Assert.Fail($"{before.Name}[{i}]: {x[i]} → {q[i]}, error {Math.Abs(q[i] - x[i])} > bound {bound}");
            }
            double rms = RelativeRms(x, q);
            worstRms = Math.Max(worstRms, rms);
            // 4-bit codes over a block's range give ≈ 0.07–0.09 relative RMS on bell-shaped or uniform data.
            Assert.That(rms, Is.LessThan(0.12), before.Name);
        }
        TestContext.Out.WriteLine($"q4_0 worst relative RMS {worstRms:0.0000}");
    }

    [Test]
    public void TinyQwen2Moe_ToQ4K_FallsBackToQ5_0AndSaysSo()
    {
        string input = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string output = Path.Combine(_dir, "q4k.gguf");
        var (code, stdout, stderr) = Run("quantize", input, output, "--type", "q4_k", "--exclude", @"ffn_gate_inp\.weight$");
        Assert.That(code, Is.EqualTo(0), stderr);
        // llama.cpp's fallback for Q4_K is Q5_0 (the Q8_0 token embedding is converted too).
        Assert.That(stdout, Does.Contain("blk.0.attn_q.weight: ne0 = 64 is not a multiple of the q4_K block size 256; written as q5_0"));
        Assert.That(stdout, Does.Contain("token_embd.weight: ne0 = 64 is not a multiple of the q4_K block size 256; written as q5_0"));

        using GgufFile source = GgufFile.Open(input);
        using GgufFile result = GgufFile.Open(output);
        using KernelPool pool = KernelPool.Create(2);
        Assert.That(result.Metadata.GetUInt32("general.file_type"), Is.EqualTo(14), "LLAMA_FTYPE_MOSTLY_Q4_K_S");
        foreach (GgufTensor before in source.Tensors)
        {
            GgufTensor after = result.GetTensor(before.Name);
            bool excluded = before.Name.EndsWith("ffn_gate_inp.weight", StringComparison.Ordinal);
            GgmlType expected = before.DimensionCount == 1 || excluded ? before.Type : GgmlType.Q5_0; // every ne0 here is 64 or 128
            Assert.That(after.Type, Is.EqualTo(expected), before.Name);
            if (after.Type == before.Type)
            {
                Assert.That(after.AsSpan().SequenceEqual(before.AsSpan()), Is.True, before.Name);
                continue;
            }
            float[] x = Values(pool, before), q = Values(pool, after);
            for (int b = 0; b < x.Length; b += 32)
            {
                double amax = 0;
                for (int i = b; i < b + 32; i++) amax = Math.Max(amax, Math.Abs(x[i]));
                for (int i = b; i < b + 32; i++)
                    Assert.That(Math.Abs(q[i] - x[i]), Is.LessThanOrEqualTo(BlockBound(GgmlType.Q5_0, amax)), $"{before.Name}[{i}]");
            }
            // Steps of amax/16 over 32 values: ≈ 0.045 relative RMS on bell-shaped data.
            Assert.That(RelativeRms(x, q), Is.LessThan(0.06), before.Name);
        }
    }

    /// <summary>A synthetic F32/F16/BF16 model with shapes that exercise every rule, written with GgufWriter.</summary>
    private string WriteSyntheticModel(KernelPool pool)
    {
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "synthetic");
        writer.AddUInt32("general.file_type", 0);
        void AddF32(string name, long[] dims, int seed)
        {
            float[] values = Reference.Gaussian(seed, (int)dims.Aggregate(1L, (a, b) => a * b), 0.05f);
            writer.AddTensor(name, GgmlType.F32, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        void AddConverted(string name, GgmlType type, long[] dims, int seed)
        {
            float[] values = Reference.Gaussian(seed, (int)(dims[0] * dims[1]), 0.05f);
            var bytes = new byte[type.ByteSize(values.Length)];
            pool.Quantize((NiType)(int)type, values, bytes, dims[1], dims[0]);
            writer.AddTensor(name, type, dims, bytes);
        }
        AddF32("blk.0.attn_q.weight", [512, 24], 1);
        AddF32("blk.0.ffn_up_exps.weight", [256, 8, 4], 2);     // 3-D stacked experts
        AddConverted("blk.0.attn_k.weight", GgmlType.F16, [256, 6], 3);
        AddConverted("blk.0.attn_v.weight", GgmlType.BF16, [256, 6], 4);
        AddConverted("token_embd.weight", GgmlType.Q8_0, [256, 10], 5);
        AddF32("blk.0.attn_norm.weight", [256], 6);              // 1-D: kept
        AddF32("blk.0.odd.weight", [96, 4], 7);                  // 96 fits q8_0 only: fallback
        AddF32("blk.0.tiny.weight", [40, 4], 8);                 // fits neither: kept
        AddF32("blk.0.ffn_gate_inp.weight", [256, 4], 9);        // excluded below
        string path = Path.Combine(_dir, "synthetic-f32.gguf");
        writer.WriteTo(path);
        return path;
    }

    // Expected relative RMS on Gaussian data is step/√12/σ: Q4_K steps by range/15 over 32 values
    // (range ≈ 4.1σ → 0.079), Q6_K by amax/32 over 16 (amax ≈ 2.0σ → 0.018), Q8_0 by amax/127 over 32
    // (amax ≈ 2.4σ → 0.0055), Q4_1 by range/15 over 32 (0.079), Q5_0 by amax/16 over 32 (0.044), Q5_1 and
    // Q5_K by range/31 over 32 (0.038). The limits leave ~15 % for the scales' own rounding; a wrong
    // encoding lands far above. The non-uniform and 2–3-bit grids have no closed form: a scale fitted per
    // 16 or 32 values does better than one Lloyd–Max quantizer for the whole Gaussian (2 bits 0.34, 3 bits
    // 0.19, 4 bits 0.097); their limits are about 1.15× what these tensors measured (Q2_K 0.30–0.31, Q3_K
    // 0.15–0.16, IQ4_NL / IQ4_XS 0.076–0.078), and test_quant_formats checks the same quantizers within
    // 1.5 % of ggml's own.
    [TestCase("q4_k", GgmlType.Q4_K, 0.09)]
    [TestCase("q6_k", GgmlType.Q6_K, 0.022)]
    [TestCase("q8_0", GgmlType.Q8_0, 0.0065)]
    [TestCase("q4_1", GgmlType.Q4_1, 0.09)]
    [TestCase("q5_0", GgmlType.Q5_0, 0.051)]
    [TestCase("q5_1", GgmlType.Q5_1, 0.044)]
    [TestCase("q5_k", GgmlType.Q5_K, 0.044)]
    [TestCase("q2_k", GgmlType.Q2_K, 0.36)]
    [TestCase("q3_k", GgmlType.Q3_K, 0.185)]
    [TestCase("iq4_nl", GgmlType.IQ4_NL, 0.09)]
    [TestCase("iq4_xs", GgmlType.IQ4_XS, 0.09)]
    public void Synthetic_KQuantsAndRules(string typeName, GgmlType target, double maxRms)
    {
        using KernelPool pool = KernelPool.Create(2);
        string input = WriteSyntheticModel(pool);
        string output = Path.Combine(_dir, $"{typeName}.gguf");
        var (code, stdout, stderr) = Run("quantize", input, output, "--type", typeName, "--exclude", "gate_inp");
        Assert.That(code, Is.EqualTo(0), stderr);

        using GgufFile source = GgufFile.Open(input);
        using GgufFile result = GgufFile.Open(output);
        var expected = new Dictionary<string, GgmlType>
        {
            ["blk.0.attn_q.weight"] = target,
            ["blk.0.ffn_up_exps.weight"] = target,
            ["blk.0.attn_k.weight"] = target,
            ["blk.0.attn_v.weight"] = target,
            ["token_embd.weight"] = target,
            ["blk.0.attn_norm.weight"] = GgmlType.F32,
            ["blk.0.odd.weight"] = GgufQuantizer.Fallback(target) ?? target,  // 96 values: a 32-value block type
            ["blk.0.tiny.weight"] = GgmlType.F32,
            ["blk.0.ffn_gate_inp.weight"] = GgmlType.F32,
        };
        Assert.That(result.Tensors.ToDictionary(t => t.Name, t => t.Type), Is.EqualTo(expected));
        Assert.That(stdout, Does.Contain("blk.0.tiny.weight: ne0 = 40 is not a multiple of the").And.Contain("; kept as f32"));
        Assert.That(stdout, Does.Contain("blk.0.ffn_gate_inp.weight: excluded by /gate_inp/"));
        if (target.BlockSize() == 256) Assert.That(stdout, Does.Contain("blk.0.odd.weight: ne0 = 96 is not a multiple of the"));

        foreach (GgufTensor before in source.Tensors)
        {
            GgufTensor after = result.GetTensor(before.Name);
            Assert.That(after.Dimensions.ToArray(), Is.EqualTo(before.Dimensions.ToArray()));
            if (after.Type == before.Type)
            {
                Assert.That(after.AsSpan().SequenceEqual(before.AsSpan()), Is.True, before.Name);
                continue;
            }
            double rms = RelativeRms(Values(pool, before), Values(pool, after));
            TestContext.Out.WriteLine($"{typeName} {before.Name}: relative RMS {rms:0.00000}");
            // Fallbacks: IQ4_NL (4-bit grid), Q5_0, Q5_1 or Q8_0.
            double fallbackRms = after.Type switch { GgmlType.IQ4_NL => 0.09, GgmlType.Q5_0 => 0.051, GgmlType.Q5_1 => 0.044, _ => 0.0065 };
            Assert.That(rms, Is.LessThan(after.Type == target ? maxRms : fallbackRms), before.Name);
        }
    }

    [Test]
    public void TensorTypes_OverrideTheTargetPerTensor_LastMatchWins()
    {
        using KernelPool pool = KernelPool.Create(2);
        string input = WriteSyntheticModel(pool);
        string output = Path.Combine(_dir, "per-tensor.gguf");
        var (code, stdout, stderr) = Run("quantize", input, output, "--type", "q4_0", "--exclude", "gate_inp",
                                         "--tensor-type", @"attn_[kv]\.=q2_k, attn_v\.=iq4_xs, exps=q5_1, odd=q3_k");
        Assert.That(code, Is.EqualTo(0), stderr);
        using GgufFile result = GgufFile.Open(output);
        var expected = new Dictionary<string, GgmlType>
        {
            ["blk.0.attn_q.weight"] = GgmlType.Q4_0,
            ["blk.0.ffn_up_exps.weight"] = GgmlType.Q5_1,
            ["blk.0.attn_k.weight"] = GgmlType.Q2_K,
            ["blk.0.attn_v.weight"] = GgmlType.IQ4_XS,       // both rules match: the last wins
            ["token_embd.weight"] = GgmlType.Q4_0,
            ["blk.0.attn_norm.weight"] = GgmlType.F32,
            ["blk.0.odd.weight"] = GgmlType.IQ4_NL,          // 96 values: Q3_K's fallback
            ["blk.0.tiny.weight"] = GgmlType.F32,
            ["blk.0.ffn_gate_inp.weight"] = GgmlType.F32,
        };
        Assert.That(result.Tensors.ToDictionary(t => t.Name, t => t.Type), Is.EqualTo(expected));
        Assert.That(stdout, Does.Contain("blk.0.odd.weight: ne0 = 96 is not a multiple of the q3_K block size 256; written as iq4_nl"));

        var bad = Run("quantize", input, output, "--type", "q4_0", "--tensor-type", "attn=q4_k_m");
        Assert.That(bad.Code, Is.EqualTo(2));
        Assert.That(bad.Err, Does.Contain("--tensor-type: 'q4_k_m' is not one of"));
    }

    /// <summary>An F32 llama-shaped model of 8 layers (rows of 256), dense or with 8 routed experts (and then no output tensor).</summary>
    private string WriteMixModel(bool experts)
    {
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "llama");
        writer.AddUInt32("llama.block_count", 8);
        if (experts) writer.AddUInt32("llama.expert_count", 8);
        int seed = 100;
        void Add(string name, params long[] dims)
        {
            float[] values = Reference.Gaussian(seed++, (int)dims.Aggregate(1L, (a, b) => a * b), 0.05f);
            writer.AddTensor(name, GgmlType.F32, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        Add("token_embd.weight", 256, 16);
        if (!experts) Add("output.weight", 256, 16);
        Add("output_norm.weight", 256);
        for (int i = 0; i < 8; i++)
        {
            foreach (string t in new[] { "attn_q", "attn_k", "attn_v", "attn_output" }) Add($"blk.{i}.{t}.weight", 256, 8);
            Add($"blk.{i}.attn_norm.weight", 256);
            if (experts)
            {
                Add($"blk.{i}.ffn_gate_inp.weight", 256, 8);
                Add($"blk.{i}.ffn_up_exps.weight", 256, 8, 8);
                Add($"blk.{i}.ffn_down_exps.weight", 256, 8, 8);
            }
            else
            {
                Add($"blk.{i}.ffn_up.weight", 256, 8);
                Add($"blk.{i}.ffn_down.weight", 256, 8);
            }
        }
        string path = Path.Combine(_dir, experts ? "mix-moe-f32.gguf" : "mix-f32.gguf");
        writer.WriteTo(path);
        return path;
    }

    // llama.cpp's llama_tensor_get_type for Q4_K_M / Q5_K_M, worked out by hand for 8 layers: use_more_bits(i, 8)
    // holds for i < 1, i ≥ 7 and (i − 1) % 3 == 2, i.e. layers 0, 3, 6 and 7, whose attn_v and ffn_down get Q6_K;
    // the output (or the token embedding when there is no output) gets Q6_K; with 8 experts attn_v and attn_k get
    // Q8_0 and, for Q4_K_M, attn_output Q5_K; routers and norms stay F32; the file type is LLAMA_FTYPE 15 / 17.
    [TestCase("q4_k_m", GgmlType.Q4_K, GgmlType.Q5_K, 15u, false)]
    [TestCase("q5_k_m", GgmlType.Q5_K, GgmlType.Q5_K, 17u, false)]
    [TestCase("q4_k_m", GgmlType.Q4_K, GgmlType.Q5_K, 15u, true)]
    [TestCase("q5_k_m", GgmlType.Q5_K, GgmlType.Q5_K, 17u, true)]
    public void Mix_GivesEachTensorLlamaCppsType(string mix, GgmlType baseType, GgmlType moeAttnOutput, uint fileType, bool experts)
    {
        string input = WriteMixModel(experts);
        string output = Path.Combine(_dir, $"{mix}.gguf");
        var (code, stdout, stderr) = Run("quantize", input, output, "--type", mix);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain($"as {mix}"));

        int[] moreBits = [0, 3, 6, 7];
        var expected = new Dictionary<string, GgmlType>
        {
            ["token_embd.weight"] = experts ? GgmlType.Q6_K : baseType,
            ["output_norm.weight"] = GgmlType.F32,
        };
        if (!experts) expected["output.weight"] = GgmlType.Q6_K;
        for (int i = 0; i < 8; i++)
        {
            GgmlType more = moreBits.Contains(i) ? GgmlType.Q6_K : baseType;
            expected[$"blk.{i}.attn_q.weight"] = baseType;
            expected[$"blk.{i}.attn_k.weight"] = experts ? GgmlType.Q8_0 : baseType;
            expected[$"blk.{i}.attn_v.weight"] = experts ? GgmlType.Q8_0 : more;
            expected[$"blk.{i}.attn_output.weight"] = experts ? moeAttnOutput : baseType;
            expected[$"blk.{i}.attn_norm.weight"] = GgmlType.F32;
            if (experts)
            {
                expected[$"blk.{i}.ffn_gate_inp.weight"] = GgmlType.F32;
                expected[$"blk.{i}.ffn_up_exps.weight"] = baseType;
                expected[$"blk.{i}.ffn_down_exps.weight"] = more;
            }
            else
            {
                expected[$"blk.{i}.ffn_up.weight"] = baseType;
                expected[$"blk.{i}.ffn_down.weight"] = more;
            }
        }
        using GgufFile source = GgufFile.Open(input);
        using GgufFile result = GgufFile.Open(output);
        Assert.That(result.Tensors.ToDictionary(t => t.Name, t => t.Type), Is.EqualTo(expected));
        Assert.That(result.Metadata.GetUInt32("general.file_type"), Is.EqualTo(fileType));
        using KernelPool pool = KernelPool.Create(2);
        foreach (GgufTensor after in result.Tensors.Where(t => t.Type != GgmlType.F32))
            Assert.That(RelativeRms(Values(pool, source.GetTensor(after.Name)), Values(pool, after)), Is.LessThan(0.09), after.Name);
    }

    [Test]
    public void SmallChunks_WriteTheSameBytesAsOneChunk()
    {
        using KernelPool pool = KernelPool.Create(1);
        string input = WriteSyntheticModel(pool);
        using GgufFile source = GgufFile.Open(input);
        string whole = Path.Combine(_dir, "whole.gguf"), chunked = Path.Combine(_dir, "chunked.gguf");
        GgufQuantizer.Quantize(source, whole, new GgufQuantizeOptions(GgmlType.Q4_K, 1));
        var reports = new List<GgufQuantizeProgress>();
        GgufQuantizeSummary summary = GgufQuantizer.Quantize(source, chunked, new GgufQuantizeOptions(GgmlType.Q4_K, 1) { ChunkValues = 700 }, reports.Add);
        Assert.That(File.ReadAllBytes(chunked), Is.EqualTo(File.ReadAllBytes(whole)));
        Assert.That(reports, Has.Count.GreaterThan(source.Tensors.Count), "several chunks per tensor were reported");
        Assert.That(reports[^1].SourceBytesDone, Is.EqualTo(summary.InputTensorBytes));
        Assert.That(summary.OutputFileBytes, Is.EqualTo(new FileInfo(chunked).Length));
    }

    [Test]
    public void Errors_AreOneLineWithExitCodes()
    {
        string input = RepoPaths.RequireTestData("models/tiny-qwen2moe-f32.gguf");
        string output = Path.Combine(_dir, "out.gguf");
        void Check((int Code, string Out, string Err) r, int code, string words)
        {
            Assert.That(r.Code, Is.EqualTo(code), r.Err);
            Assert.That(r.Err.Trim().Split('\n'), Has.Length.EqualTo(1), r.Err);
            Assert.That(r.Err, Does.Contain(words));
        }
        Check(Run("quantize", input, output), 2, "--type is required");
        Check(Run("quantize", input, output, "--type", "q7_k"), 2,
              "--type must be one of q4_0, q8_0, q4_k, q6_k, q4_1, q5_0, q5_1, q2_k, q3_k, q5_k, iq4_nl, iq4_xs, q4_k_m, q5_k_m (got 'q7_k')");
        Check(Run("quantize", input, output, "--type", "iq2_xxs"), 2,
              "--type must be one of q4_0, q8_0, q4_k, q6_k, q4_1, q5_0, q5_1, q2_k, q3_k, q5_k, iq4_nl, iq4_xs, q4_k_m, q5_k_m (got 'iq2_xxs')");  // read-only type
        Check(Run("quantize", input), 2, "missing output file");
        Check(Run("quantize", input, output, "--type", "q4_0", "--exclude", "("), 2, "--exclude is not a valid regular expression");
        Check(Run("quantize", input, input, "--type", "q4_0"), 1, "is the input file");
        Check(Run("quantize", Path.Combine(_dir, "absent.gguf"), output, "--type", "q4_0"), 1, "absent.gguf");
        string corrupt = Path.Combine(_dir, "corrupt.gguf");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(input)[..100]);
        Check(Run("quantize", corrupt, output, "--type", "q4_0"), 1, "invalid GGUF at byte");
        Assert.That(File.Exists(output) || File.Exists(output + ".partial"), Is.False);
    }
}
