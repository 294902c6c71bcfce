using System.Diagnostics;
using System.Text;
using NativeInfer.Diagnostics;
using NativeInfer.Gguf;
using NativeInfer.Interop;
using NativeInfer.Tensors;

namespace NativeInfer.Runtime;

/// <summary>
/// Applies <see cref="WeightMemoryOptions"/> to a GGUF file's tensor data through the native memory calls
/// (ni_file_drop_cache, ni_memory_prepare), in pieces so that preloading reports progress and can stop.
/// </summary>
internal static unsafe class WeightMemory
{
    // A multiple of 2 MiB, so pieces never split a huge page; ~0.1 s of disk or page-cache reading.
    private const long Piece = 256L << 20;

    /// <summary>Advises and (as asked) rereads, preloads and locks the tensor data; before any weight is touched.</summary>
    public static WeightMemoryState Apply(GgufFile file, WeightMemoryOptions options, CancellationToken cancellationToken)
    {
        if (!file.Region.IsFileMapping || file.Length <= file.DataOffset) return WeightMemoryState.NotMapped;
        byte* data = file.Region.Pointer + file.DataOffset;
        long bytes = file.Length - file.DataOffset;
        long start = Stopwatch.GetTimestamp();
        bool reread = false;
        if (options.RereadIntoHugePages)
        {
            int applied;
            byte[] path = Encoding.UTF8.GetBytes(file.Source + "\0");
            fixed (byte* p = path) NiException.ThrowIfFailed(NativeMethods.FileDropCache(p, (ulong)file.DataOffset, (ulong)bytes, &applied));
            reread = applied != 0;
        }
        bool huge = false;
        if (options.HugePages)
        {
            NiMemoryFlags applied;
            NiException.ThrowIfFailed(NativeMethods.MemoryPrepare(data, (nuint)bytes, NiMemoryFlags.HugePages, &applied));
            huge = applied.HasFlag(NiMemoryFlags.HugePages);
        }
        bool preload = options.Preload || options.Lock;
        if (preload)
        {
            NiMemoryFlags flags = NiMemoryFlags.Populate | (options.Lock ? NiMemoryFlags.Lock : 0);
            for (long done = 0; done < bytes;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long n = Math.Min(Piece, bytes - done);
                NiMemoryFlags applied;
                NiStatus status = NativeMethods.MemoryPrepare(data + done, (nuint)n, flags, &applied);
                if (status != NiStatus.Ok)
                {
                    var native = new NiException(status, NiException.LastErrorMessage());
                    throw new ModelLoadException($"{Path.GetFileName(file.Source)}: cannot {(options.Lock ? "preload and lock" : "preload")} " +
                                                 $"the tensor data at byte {file.DataOffset + done} ({bytes / 1e9:0.00} GB in all): {native.Message}", native);
                }
                done += n;
                options.Progress?.Report(new OperationProgress("preload", done, bytes, ProgressUnit.Bytes, Path.GetFileName(file.Source)));
            }
        }
        return new WeightMemoryState(bytes, huge, reread, preload, options.Lock, preload || reread ? Stopwatch.GetElapsedTime(start) : TimeSpan.Zero);
    }

    /// <summary>Resident and huge-page bytes of the tensor data now.</summary>
    public static WeightResidency Measure(GgufFile file)
    {
        if (!file.Region.IsFileMapping || file.Length <= file.DataOffset) return new WeightResidency(0, 0, 0);
        long bytes = file.Length - file.DataOffset;
        nuint resident, huge;
        NiException.ThrowIfFailed(NativeMethods.MemoryResidency(file.Region.Pointer + file.DataOffset, (nuint)bytes, &resident, &huge));
        return new WeightResidency(bytes, Math.Min((long)resident, bytes), (long)huge);
    }
}
