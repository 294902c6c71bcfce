using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Quantization;

/// <summary>
/// Re-quantizes a GGUF model's weights with the native kernels: F32/F16/BF16/Q8_0 tensors of two or
/// more dimensions become the target type (dequantize to f32, quantize), one row block at a time so
/// memory stays bounded — or, for one of llama.cpp's mixes, the type its rules give each tensor
/// (<see cref="GgufMixRules"/>), and per-tensor overrides of either (<see cref="GgufTensorTypeRule"/>). 1-D tensors (norms, biases), excluded tensors and other types are
/// copied unchanged. A tensor whose ne0 does not fit the chosen type's block size falls back as
/// llama.cpp's quantizer does (Q2_K, Q3_K, IQ4_XS → IQ4_NL; Q4_K → Q5_0; Q5_K → Q5_1; Q6_K → Q8_0)
/// and is kept as it is when that does not fit either. Metadata is copied with
/// <c>general.file_type</c> (llama.cpp's LLAMA_FTYPE) and <c>general.quantization_version</c> updated.
/// </summary>
public static class GgufQuantizer
{
    private const string FileTypeKey = "general.file_type";
    private const string QuantizationVersionKey = "general.quantization_version";

    /// <summary>ggml's quantization format version, as llama.cpp's quantizer records it.</summary>
    private const uint QuantizationVersion = 2;

    /// <summary>llama.cpp's <c>llama_ftype</c> for a file that is mostly <paramref name="target"/>.</summary>
    public static uint FileType(GgmlType target) => target switch
    {
        GgmlType.Q4_0 => 2,    // LLAMA_FTYPE_MOSTLY_Q4_0
        GgmlType.Q4_1 => 3,    // LLAMA_FTYPE_MOSTLY_Q4_1
        GgmlType.Q8_0 => 7,    // LLAMA_FTYPE_MOSTLY_Q8_0
        GgmlType.Q5_0 => 8,    // LLAMA_FTYPE_MOSTLY_Q5_0
        GgmlType.Q5_1 => 9,    // LLAMA_FTYPE_MOSTLY_Q5_1
        GgmlType.Q2_K => 10,   // LLAMA_FTYPE_MOSTLY_Q2_K (every tensor Q2_K: without llama.cpp's Q3_K/Q4_K promotions)
        GgmlType.Q3_K => 11,   // LLAMA_FTYPE_MOSTLY_Q3_K_S: every tensor Q3_K
        GgmlType.Q4_K => 14,   // LLAMA_FTYPE_MOSTLY_Q4_K_S: every tensor Q4_K, no mixed "M" recipe
        GgmlType.Q5_K => 16,   // LLAMA_FTYPE_MOSTLY_Q5_K_S: every tensor Q5_K
        GgmlType.Q6_K => 18,   // LLAMA_FTYPE_MOSTLY_Q6_K
        GgmlType.IQ4_NL => 25, // LLAMA_FTYPE_MOSTLY_IQ4_NL
        GgmlType.IQ4_XS => 30, // LLAMA_FTYPE_MOSTLY_IQ4_XS
        _ => throw new ArgumentException($"{target.Name()} is not a quantization target (use {string.Join(", ", GgufQuantizeOptions.TargetNames)})",
            nameof(target)),
    };

    /// <summary>llama.cpp's <c>llama_ftype</c> of what <paramref name="options"/> writes (a mix has its own id).</summary>
    public static uint FileType(GgufQuantizeOptions options) =>
        options.Mix == GgufQuantizeMix.None ? FileType(options.Target) : (uint)options.Mix;

    /// <summary>The type llama.cpp's quantizer writes instead when ne0 does not fit <paramref name="type"/>'s block; null when it has none.</summary>
    public static GgmlType? Fallback(GgmlType type) => type switch
    {
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.IQ4_XS or GgmlType.IQ2_XXS or GgmlType.IQ2_XS or GgmlType.IQ2_S
            or GgmlType.IQ3_XXS or GgmlType.IQ3_S or GgmlType.IQ1_S or GgmlType.IQ1_M => GgmlType.IQ4_NL,
        GgmlType.TQ1_0 or GgmlType.TQ2_0 => GgmlType.Q4_0,
        GgmlType.Q4_K => GgmlType.Q5_0,
        GgmlType.Q5_K => GgmlType.Q5_1,
        GgmlType.Q6_K => GgmlType.Q8_0,
        _ => null,
    };

    /// <summary>Decides, without converting anything, what happens to every tensor.</summary>
    public static IReadOnlyList<GgufTensorPlan> Plan(GgufFile source, GgufQuantizeOptions options)
    {
        FileType(options); // validates the target
        if (options.Mix != GgufQuantizeMix.None && GgufQuantizeOptions.ForMix(options.Mix).Target != options.Target)
            throw new ArgumentException($"the {options.Mix} mix is based on {GgufQuantizeOptions.ForMix(options.Mix).Target.Name()}, not {options.Target.Name()}",
                nameof(options));
        foreach (GgufTensorTypeRule r in options.TensorTypes)
            if (!GgufQuantizeOptions.Targets.Contains(r.Type))
                throw new ArgumentException($"tensor type rule /{r.Pattern}/ asks for {r.Type.Name()}, which is not a quantization target", nameof(options));
        GgufMixRules? rules = options.Mix == GgufQuantizeMix.None ? null : new GgufMixRules(source, options.Mix);
        var plans = new List<GgufTensorPlan>(source.Tensors.Count);
        foreach (GgufTensor t in source.Tensors) plans.Add(PlanTensor(t, options, rules));
        return plans;
    }

    private static GgufTensorPlan PlanTensor(GgufTensor t, GgufQuantizeOptions options, GgufMixRules? rules)
    {
        GgufTensorPlan Keep(string? note) => new(t.Name, t.Type, t.Type, false, false, note);
        if (rules is null && options.TensorTypes.Count == 0 && t.Type == options.Target) return Keep(null);
        if (t.DimensionCount < 2) return Keep("1-D tensors (norms, biases) stay as they are");
        if (options.Exclude?.IsMatch(t.Name) == true) return Keep($"excluded by /{options.Exclude}/");
        if (rules is not null && !GgufMixRules.IsQuantized(t)) return Keep($"{options.Mix} keeps it as it is (as llama.cpp does)");
        GgmlType target = rules?.TypeFor(t) ?? options.Target;
        foreach (GgufTensorTypeRule r in options.TensorTypes)
            if (r.Pattern.IsMatch(t.Name)) target = r.Type;
        if (t.Type == target) return Keep(null);
        if (!GgufQuantizeOptions.Sources.Contains(t.Type)) return Keep($"{t.Type.Name()} is not a source type the quantizer converts (f32, f16, bf16, q8_0)");
        long ne0 = t.Ne(0);
        if (ne0 % target.BlockSize() == 0) return new(t.Name, t.Type, target, true, false, null);
        string misfit = $"ne0 = {ne0} is not a multiple of the {target.Name()} block size {target.BlockSize()}";
        if (Fallback(target) is { } fallback && ne0 % fallback.BlockSize() == 0)
            return t.Type == fallback
                ? new(t.Name, t.Type, t.Type, false, true, $"{misfit}; already {fallback.Name()}, copied")
                : new(t.Name, t.Type, fallback, true, true, $"{misfit}; written as {fallback.Name()}");
        return Keep(Fallback(target) is { } f ? $"{misfit} nor of {f.BlockSize()}; kept as {t.Type.Name()}" : $"{misfit}; kept as {t.Type.Name()}");
    }

    /// <summary>
    /// Writes the quantized model to <paramref name="outputPath"/> (through a ".partial" file renamed
    /// when complete; the input file itself, by any path, is refused). <paramref name="progress"/> is called on this thread after every chunk.
    /// </summary>
    public static GgufQuantizeSummary Quantize(GgufFile source, string outputPath, GgufQuantizeOptions options, Action<GgufQuantizeProgress>? progress = null)
    {
        IReadOnlyList<GgufTensorPlan> plans = Plan(source, options);
        using KernelPool pool = KernelPool.Create(options.Threads);

        var writer = new GgufWriter();
        foreach (GgufMetadataEntry entry in source.Metadata)
        {
            if (entry.Key == FileTypeKey) writer.AddUInt32(FileTypeKey, FileType(options));
            else if (entry.Key == QuantizationVersionKey) writer.AddUInt32(QuantizationVersionKey, QuantizationVersion);
            else writer.Add(entry);
        }
        if (!writer.ContainsKey(FileTypeKey)) writer.AddUInt32(FileTypeKey, FileType(options));
        if (!writer.ContainsKey(QuantizationVersionKey)) writer.AddUInt32(QuantizationVersionKey, QuantizationVersion);

        var clock = Stopwatch.StartNew();
        long done = 0;
        for (int i = 0; i < plans.Count; i++)
        {
            GgufTensor tensor = source.Tensors[i];
            GgufTensorPlan plan = plans[i];
            int index = i;
            void Report(long bytes)
            {
                done += bytes;
                progress?.Invoke(new GgufQuantizeProgress(index, plans.Count, plan, done, clock.Elapsed));
            }
            if (plan.Converted)
                writer.AddTensor(tensor.Name, plan.Target, tensor.Dimensions, output => Convert(pool, tensor, plan.Target, options.ChunkValues, output, Report));
            else
                writer.AddTensor(tensor.Name, tensor.Type, tensor.Dimensions, output => Copy(tensor, options.ChunkValues, output, Report));
        }
        writer.WriteTo(outputPath, inputs: [source.Source]);

        long inputBytes = 0, outputBytes = 0;
        foreach (GgufTensorPlan p in plans)
        {
            GgufTensor t = source.GetTensor(p.Name);
            inputBytes += t.ByteSize;
            outputBytes += p.Target.ByteSize(t.ElementCount);
        }
        return new GgufQuantizeSummary(plans, inputBytes, outputBytes, source.Length, new FileInfo(outputPath).Length, clock.Elapsed);
    }

    /// <summary>Rows of the source → f32 → target rows, a bounded block of rows at a time.</summary>
    private static void Convert(KernelPool pool, GgufTensor tensor, GgmlType target, int chunkValues, Stream output, Action<long> report)
    {
        long ne0 = tensor.Ne(0), rows = tensor.RowCount;
        long blockRows = Math.Clamp(chunkValues / ne0, 1, rows);
        long targetRowBytes = target.ByteSize(ne0);
        float[] values = ArrayPool<float>.Shared.Rent(checked((int)(blockRows * ne0)));
        byte[] encoded = ArrayPool<byte>.Shared.Rent(checked((int)(blockRows * targetRowBytes)));
        try
        {
            for (long first = 0; first < rows; first += blockRows)
            {
                long n = Math.Min(blockRows, rows - first);
                int count = (int)(n * ne0);
                ReadOnlySpan<byte> src = tensor.Rows(first, n);
                Span<float> f32 = values.AsSpan(0, count);
                if (tensor.Type == GgmlType.F32) MemoryMarshal.Cast<byte, float>(src).CopyTo(f32);
                else pool.Dequantize((NiType)(int)tensor.Type, src, f32, n, ne0);
                Span<byte> dst = encoded.AsSpan(0, (int)(n * targetRowBytes));
                pool.Quantize((NiType)(int)target, f32, dst, n, ne0);
                output.Write(dst);
                report(src.Length);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    private static void Copy(GgufTensor tensor, int chunkValues, Stream output, Action<long> report)
    {
        long blockRows = Math.Clamp(chunkValues * 4L / Math.Max(1, tensor.RowBytes), 1, tensor.RowCount);
        for (long first = 0; first < tensor.RowCount; first += blockRows)
        {
            ReadOnlySpan<byte> rows = tensor.Rows(first, Math.Min(blockRows, tensor.RowCount - first));
            output.Write(rows);
            report(rows.Length);
        }
    }
}
