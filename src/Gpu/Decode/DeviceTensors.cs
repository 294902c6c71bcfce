using ILGPU;
using ILGPU.Runtime;
using NativeInfer.Gguf;
using NativeInfer.Gpu.Devices;
using NativeInfer.Interop;
using NativeInfer.Kernels;
using NativeInfer.Tensors;

namespace NativeInfer.Gpu.Decode;

/// <summary>
/// Reads a model's GGUF tensors and puts them on a device once, at load: matrices as f16 (any weight type the
/// CPU kernels read is dequantized exactly on the host first, then rounded to nearest f16), f32, or — Q4_0 only —
/// repacked into the Marlin int4 layout; vectors (norm weights, biases) as f32, the embedding table in its own
/// encoding. Every buffer it makes is registered in <see cref="Owned"/> so the decode path can free them together.
/// </summary>
internal sealed class DeviceTensors(IGpuDevice device, GgufFile file, KernelPool pool)
{
    public List<IDisposable> Owned { get; } = [];

    /// <summary>What each weight matrix of the path became (filled by its users; <see cref="GpuDecodePath.Linears"/>).</summary>
    public List<GpuLinearPlacement> Placements { get; } = [];

    public IGpuDevice Device => device;

    public GgufTensor Tensor(string name) =>
        file.TryGetTensor(name, out GgufTensor t) ? t : throw new GpuDecodeNotSupportedException($"the model has no tensor '{name}'");

    public bool HasTensor(string name) => file.TryGetTensor(name, out _);

    /// <summary>A (small) tensor's values as f32 on the host, dequantized exactly (rows of Ne(0) values).</summary>
    public float[] HostFloats(GgufTensor t)
    {
        if (t.ElementCount > Array.MaxLength) throw new GpuDecodeNotSupportedException($"{t.Name}: {t.ElementCount} values is too large for one host array");
        var values = new float[t.ElementCount];
        Dequantize(t, 0, t.RowCount, values);
        return values;
    }

    /// <summary>W [rows = Ne(1)·…][cols = Ne(0)] as f16 bits on the device; the shape is checked against what the caller expects.</summary>
    public ArrayView<ushort> MatrixF16(string name, long rows, long cols)
    {
        GgufTensor t = Matrix(name, rows, cols);
        var buffer = device.Allocate<ushort>(rows * cols);
        Owned.Add(buffer);
        // Converted in slices of rows so a head of 10⁵ × 7168 never needs a whole f32 copy on the host.
        long step = Math.Max(1, (1L << 20) / cols);
        var values = new float[Math.Min(rows, step) * cols];
        var bits = new ushort[values.Length];
        for (long first = 0; first < rows; first += step)
        {
            long count = Math.Min(step, rows - first), n = count * cols;
            Dequantize(t, first, count, values.AsSpan(0, (int)n));
            for (int i = 0; i < n; i++) bits[i] = BitConverter.HalfToUInt16Bits((System.Half)values[i]);
            device.Upload<ushort>(bits.AsSpan(0, (int)n), buffer.View.SubView(first * cols, n));
        }
        return buffer.View;
    }

    /// <summary>W [rows][cols] as f32 on the device (values exactly as the CPU kernels dequantize them).</summary>
    public ArrayView<float> MatrixF32(string name, long rows, long cols)
    {
        GgufTensor t = Matrix(name, rows, cols);
        var buffer = device.Allocate<float>(rows * cols);
        Owned.Add(buffer);
        long step = Math.Max(1, (1L << 20) / cols);
        var values = new float[Math.Min(rows, step) * cols];
        for (long first = 0; first < rows; first += step)
        {
            long count = Math.Min(step, rows - first), n = count * cols;
            Dequantize(t, first, count, values.AsSpan(0, (int)n));
            device.Upload<float>(values.AsSpan(0, (int)n), buffer.View.SubView(first * cols, n));
        }
        return buffer.View;
    }

    /// <summary>
    /// A Q4_0 W [rows = N][cols = K] repacked into the Marlin int4 layout on the device: the file's nibbles and f16
    /// scales moved, not requantized, so the GEMM multiplies by exactly the values the CPU kernels dequantize.
    /// </summary>
    public MarlinWeights MarlinQ4_0(string name, long rows, long cols)
    {
        GgufTensor t = Matrix(name, rows, cols);
        if (t.Type != GgmlType.Q4_0) throw new GpuDecodeNotSupportedException($"{name}: the int4 path repacks Q4_0 weights only, not {t.Type.Name()}");
        MarlinWeights weights = device.UploadMarlin(NiType.Q4_0, t.AsSpan(), rows, cols, groupSize: 32);
        Owned.Add(weights);
        return weights;
    }

    private GgufTensor Matrix(string name, long rows, long cols)
    {
        GgufTensor t = Tensor(name);
        if (t.Ne(0) != cols || t.RowCount != rows)
            throw new GpuDecodeNotSupportedException($"{name}: expected [{rows}][{cols}], the file has {t}");
        return t;
    }

    private void Dequantize(GgufTensor t, long firstRow, long rows, Span<float> destination)
    {
        if (!GgufWeightSource.TryKernelType(t.Type, out NiType type))
            throw new GpuDecodeNotSupportedException($"{t.Name}: type {t.Type.Name()} has no dequantization kernel");
        pool.Dequantize(type, t.Rows(firstRow, rows), destination, rows, t.Ne(0));
    }

    /// <summary>A vector of <paramref name="length"/> values as f32 on the device.</summary>
    public ArrayView<float> Vector(string name, long length)
    {
        GgufTensor t = Tensor(name);
        if (t.ElementCount != length) throw new GpuDecodeNotSupportedException($"{name}: expected {length} values, the file has {t}");
        return Upload(HostFloats(t));
    }

    /// <summary>The tensor's bytes as stored (the embedding table, which the gather kernel decodes itself).</summary>
    public ArrayView<byte> Raw(GgufTensor t) => Upload(t.AsSpan().ToArray());

    public ArrayView<T> Upload<T>(T[] values) where T : unmanaged
    {
        var buffer = device.Allocate<T>(Math.Max(1, values.Length));
        Owned.Add(buffer);
        device.Upload<T>(values, buffer.View);
        return buffer.View;
    }

    /// <summary>Zeroed device memory for <paramref name="length"/> values, freed with the rest.</summary>
    public ArrayView<T> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = device.Allocate<T>(Math.Max(1, length));
        Owned.Add(buffer);
        return buffer.View;
    }
}
