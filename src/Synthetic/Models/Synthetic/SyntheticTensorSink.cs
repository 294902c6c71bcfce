using System.Runtime.InteropServices;
using NativeInfer.Diagnostics;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Kernels;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// The shared tensor-emission helpers of the synthetic writers: validates each tensor's type against its
/// row length when it is declared (so nothing is written for a model that cannot be), and produces the
/// bytes when the file is written: values from the <see cref="ISyntheticWeights"/> source, or random
/// ones (matrices ~ N(0, 1/fan_in), norms near 1, biases small), quantized with the native kernels.
/// Large random matrices repeat a quantized template of random rows: the values do not change speed,
/// and quantizing hundreds of millions of values would take minutes.
/// </summary>
internal sealed class SyntheticTensorSink
{
    /// <summary>Random matrices with more values than this repeat a template instead of being fully random.</summary>
    private const long FullyRandomLimit = 4L << 20;
    private const int TemplateRows = 256;

    private readonly GgufWriter _writer;
    private readonly KernelPool _pool;
    private readonly Random _random;
    private readonly ISyntheticWeights _weights;
    private readonly IProgress<OperationProgress>? _progress;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<(GgmlType, long, float), byte[]> _templates = [];
    private readonly List<SyntheticTensor> _tensors = [];
    private long _bytesWritten;

    public SyntheticTensorSink(GgufWriter writer, KernelPool pool, int seed, ISyntheticWeights weights, IProgress<OperationProgress>? progress,
                               CancellationToken cancellation = default)
    {
        _cancellation = cancellation;
        _writer = writer;
        _pool = pool;
        _random = new Random(seed);
        _weights = weights;
        _progress = progress;
    }

    /// <summary>Matrices are written as zero tensors (holes in the file) instead of values.</summary>
    public bool ZeroMatrices { get; init; }

    /// <summary>Every tensor declared so far, in file order.</summary>
    public IReadOnlyList<SyntheticTensor> Tensors => _tensors;

    /// <summary>Bytes of tensor data the file will hold.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>The weight types a synthetic matrix may have: those the kernels multiply with (the native table's list).</summary>
    public static IReadOnlyList<GgmlType> MatrixTypes => s_matrixTypes.Value;

    private static readonly Lazy<GgmlType[]> s_matrixTypes = new(() => QuantTypes.WeightTypes.Select(t => (GgmlType)(int)t).ToArray());

    /// <summary>A weight matrix ne = [cols, rows] (or [cols, rows, depth] for stacked experts) of the given type.</summary>
    public void Matrix(string name, SyntheticTensorRole role, int layer, GgmlType type, long cols, long rows, long depth = 1)
    {
        if (!MatrixTypes.Contains(type))
            throw new SyntheticModelException($"{name}: {type.Name()} is not a weight type the kernels run (use {string.Join(", ", MatrixTypes.Select(t => t.Name()))})");
        if (cols % type.BlockSize() != 0)
            throw new SyntheticModelException($"{name}: its rows have {cols} values, not a multiple of the {type.Name()} block size {type.BlockSize()}; " +
                                              $"choose widths that are multiples of {type.BlockSize()} or another type");
        Add(new SyntheticTensor(name, role, layer, type, depth > 1 ? [cols, rows, depth] : [cols, rows]));
    }

    /// <summary>An F32 vector ne = [length]: norms, biases, the shared-expert gate.</summary>
    public void Vector(string name, SyntheticTensorRole role, int layer, long length) =>
        Add(new SyntheticTensor(name, role, layer, GgmlType.F32, [length]));

    private void Add(SyntheticTensor t)
    {
        _tensors.Add(t);
        long bytes = t.Type.ByteSize(t.ElementCount);
        TotalBytes += bytes;
        if (ZeroMatrices && t.Ne.Length > 1)
        {
            _writer.AddZeroTensor(t.Name, t.Type, t.Ne);
            return;
        }
        _writer.AddTensor(t.Name, t.Type, t.Ne, stream =>
        {
            _cancellation.ThrowIfCancellationRequested(); // the writer's caller removes the partial file
            WriteData(t, stream);
            _bytesWritten += bytes;
            _progress?.Report(new OperationProgress("write", _bytesWritten, TotalBytes, ProgressUnit.Bytes, t.Name));
        });
    }

    private void WriteData(SyntheticTensor t, Stream stream)
    {
        float[]? values = _weights.Values(t);
        if (values is not null)
        {
            if (values.LongLength != t.ElementCount)
                throw new InvalidOperationException($"{t.Name}: the weight source gave {values.LongLength} values for {t.ElementCount} elements");
            stream.Write(Encode(t.Type, values, t.ElementCount / t.Cols, t.Cols));
            return;
        }
        float scale = _weights.RandomScale(t);
        if (t.Ne.Length == 1)
        {
            stream.Write(MemoryMarshal.AsBytes(RandomVector(t, scale).AsSpan()));
            return;
        }
        if (t.ElementCount <= FullyRandomLimit)
        {
            stream.Write(Encode(t.Type, Gaussian((int)t.ElementCount, scale / MathF.Sqrt(t.Cols)), t.ElementCount / t.Cols, t.Cols));
            return;
        }
        byte[] template = Template(t.Type, t.Cols, scale);
        long total = t.Type.ByteSize(t.ElementCount);
        for (long written = 0; written < total; written += template.Length)
            stream.Write(template, 0, (int)Math.Min(template.Length, total - written));
    }

    private float[] RandomVector(SyntheticTensor t, float scale)
    {
        var values = new float[t.Cols];
        switch (t.Role)
        {
            case SyntheticTensorRole.Norm:
                for (int i = 0; i < values.Length; i++) values[i] = 1f + scale * 0.05f * (float)(_random.NextDouble() * 2 - 1);
                break;
            case SyntheticTensorRole.AttentionBias:
                Gaussian(values, 0.1f * scale);
                break;
            default:
                Gaussian(values, scale / MathF.Sqrt(t.Cols));
                break;
        }
        return values;
    }

    private byte[] Template(GgmlType type, long cols, float scale)
    {
        if (_templates.TryGetValue((type, cols, scale), out byte[]? t)) return t;
        float[] values = Gaussian(checked((int)(TemplateRows * cols)), scale / MathF.Sqrt(cols));
        return _templates[(type, cols, scale)] = Encode(type, values, TemplateRows, cols);
    }

    private byte[] Encode(GgmlType type, float[] values, long rows, long cols)
    {
        if (type == GgmlType.F32) return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        NiType kernelType = (NiType)(int)type;
        var bytes = new byte[type.ByteSize(rows * cols)];
        _pool.Quantize(kernelType, values, bytes, rows, cols);
        return bytes;
    }

    private float[] Gaussian(int count, float scale)
    {
        var values = new float[count];
        Gaussian(values, scale);
        return values;
    }

    /// <summary>Box–Muller, both values of each pair used.</summary>
    private void Gaussian(Span<float> values, float scale)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())), angle = 2 * Math.PI * _random.NextDouble();
            values[i] = (float)(scale * radius * Math.Cos(angle));
            if (i + 1 < values.Length) values[i + 1] = (float)(scale * radius * Math.Sin(angle));
        }
    }
}
