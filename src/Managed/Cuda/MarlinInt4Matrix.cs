using NativeInfer.Interop;

namespace NativeInfer.Cuda;

/// <summary>
/// A weight matrix W [Rows = N output features][Columns = K input features] held on a GPU in the Marlin int4
/// layout, multiplied by activations that live on the host: <c>y[m][N] = x[m][K] · Wᵀ</c>, the same product as
/// <c>KernelPool.MatMul</c>. Each call uploads x (as f16), runs the int4 GEMM and downloads y, so activations
/// cross the bus every call — fine for tests and tools; the runtime's operator will keep them on the device.
/// Not thread-safe: one call at a time (the matrix owns one stream, one workspace and the staging buffers).
/// </summary>
public sealed class MarlinInt4Matrix : IDisposable
{
    private readonly CudaDevice _device;
    private readonly CudaStream _stream;
    private readonly CudaBuffer _weights, _scales, _workspace;
    private CudaBuffer? _a, _c;
    private Half[] _hostA = [], _hostC = [];

    private MarlinInt4Matrix(CudaDevice device, long n, long k, long groupSize, byte[] packedWeights, byte[] packedScales)
    {
        _device = device;
        Rows = n;
        Columns = k;
        GroupSize = groupSize;
        _stream = CudaStream.Create(device);
        try
        {
            _weights = CudaBuffer.Allocate(device, packedWeights.Length);
            _scales = CudaBuffer.Allocate(device, packedScales.Length);
            _workspace = CudaBuffer.Allocate(device, MarlinLayout.WorkspaceSize(n));
            _weights.Upload<byte>(_stream, packedWeights);
            _scales.Upload<byte>(_stream, packedScales);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>N: output features (rows of the GGUF tensor).</summary>
    public long Rows { get; }

    /// <summary>K: input features (columns of the GGUF tensor).</summary>
    public long Columns { get; }

    /// <summary>Values of K per scale (32 for Q4_0; 32, 64, 128 or K for quantized F16/BF16).</summary>
    public long GroupSize { get; }

    /// <summary>
    /// Repacks W [n][k] (contiguous GGUF rows of Q4_0, F16 or BF16) and uploads it to <paramref name="device"/>.
    /// Shape rules: K a multiple of 128, N a multiple of 64, groupSize 32 (the only one for Q4_0), 64, 128 or K.
    /// </summary>
    public static MarlinInt4Matrix Upload(CudaDevice device, NiType type, ReadOnlySpan<byte> weights, long n, long k, long groupSize = 32)
    {
        if (!device.SupportsMarlin)
            throw new NiUnavailableException(NiStatus.Unavailable,
                $"{device.Name} has compute capability {device.ComputeCapability}; the int4 GEMM needs 8.0 or newer");
        (long wb, long sb) = MarlinLayout.PackedSize(n, k, groupSize);
        byte[] packedWeights = new byte[wb], packedScales = new byte[sb];
        MarlinLayout.Repack(type, weights, n, k, groupSize, packedWeights, packedScales);
        return new MarlinInt4Matrix(device, n, k, groupSize, packedWeights, packedScales);
    }

    /// <summary>y [m][Rows] = x [m][Columns] · Wᵀ with f16 activations and results (f32 accumulation).</summary>
    public void Multiply(ReadOnlySpan<Half> x, Span<Half> y, int m)
    {
        RequireShape(x.Length, y.Length, m);
        Run(x[..(int)(m * Columns)], y[..(int)(m * Rows)], m);
    }

    /// <summary>y [m][Rows] = x [m][Columns] · Wᵀ; x is rounded to f16 on the way in, y comes back from f16.</summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y, int m)
    {
        RequireShape(x.Length, y.Length, m);
        long inCount = m * Columns, outCount = m * Rows;
        if (_hostA.Length < inCount) _hostA = new Half[inCount];
        if (_hostC.Length < outCount) _hostC = new Half[outCount];
        for (int i = 0; i < inCount; i++) _hostA[i] = (Half)x[i];
        Run(_hostA.AsSpan(0, (int)inCount), _hostC.AsSpan(0, (int)outCount), m);
        for (int i = 0; i < outCount; i++) y[i] = (float)_hostC[i];
    }

    public void Dispose()
    {
        _a?.Dispose();
        _c?.Dispose();
        _weights?.Dispose();
        _scales?.Dispose();
        _workspace?.Dispose();
        _stream.Dispose();
    }

    private void Run(ReadOnlySpan<Half> x, Span<Half> y, int m)
    {
        long aBytes = m * Columns * 2, cBytes = m * Rows * 2;
        if (_a is null || _a.Length < aBytes) { _a?.Dispose(); _a = CudaBuffer.Allocate(_device, aBytes); }
        if (_c is null || _c.Length < cBytes) { _c?.Dispose(); _c = CudaBuffer.Allocate(_device, cBytes); }
        _a.Upload(_stream, x);
        NiException.ThrowIfCudaFailed(CudaNativeMethods.MarlinGemm(_stream.Handle,
            _c.Handle, 0, (nuint)(Rows * 2),
            _a.Handle, 0, (nuint)(Columns * 2),
            _weights.Handle, 0, _scales.Handle, 0, _workspace.Handle,
            m, Rows, Columns, GroupSize));
        _c.Download(_stream, y);
    }

    private void RequireShape(int xLength, int yLength, int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        if (xLength < m * Columns) throw new ArgumentException($"x holds {xLength} values but [m = {m}][{Columns}] needs {m * Columns}.", "x");
        if (yLength < m * Rows) throw new ArgumentException($"y holds {yLength} values but [m = {m}][{Rows}] needs {m * Rows}.", "y");
    }
}
