using BenchmarkDotNet.Attributes;
using NativeInfer.Bench.Support;
using NativeInfer.Kernels;
using NativeInfer.Native;

namespace NativeInfer.Bench.Kernels;

/// <summary>The STREAM-like read probe itself (ni_memory_read over 256 MB on all threads), for the table.</summary>
[Config(typeof(KernelBenchConfig))]
public unsafe class MemoryBandwidthBench
{
    private KernelPool _pool = null!;
    private NativeBuffer _buffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pool = KernelPool.Create();
        _buffer = new NativeBuffer(Bandwidth.ProbeBytes);
        _buffer.AsSpan<byte>().Fill(1);
        CaseFacts.Register(CaseFacts.Key(nameof(MemoryBandwidthBench), nameof(ReadAll)),
            new CaseFacts(Bandwidth.ProbeBytes, 0, Bandwidth.Measure(_pool), IsDecode: true));
    }

    [Benchmark]
    public ulong ReadAll() => _pool.ReadMemory(_buffer.Pointer, (nuint)Bandwidth.ProbeBytes);

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffer.Dispose();
        _pool.Dispose();
    }
}
