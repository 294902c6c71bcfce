namespace NativeInfer.Runtime;

/// <summary>What loading did to the mapped weights (<see cref="WeightMemoryOptions"/>): what took effect, and how long preloading took.</summary>
/// <param name="TensorBytes">Bytes of tensor data in the file (what the options act on).</param>
/// <param name="HugePagesAdvised">The OS accepted the huge-page advice (it still decides page by page).</param>
/// <param name="Reread">Cached pages of the tensor data were dropped before preloading.</param>
/// <param name="Preloaded">Every page was read in during load.</param>
/// <param name="Locked">The pages are locked in RAM.</param>
/// <param name="PreloadTime">Time spent dropping, preloading and locking.</param>
public sealed record WeightMemoryState(long TensorBytes, bool HugePagesAdvised, bool Reread, bool Preloaded, bool Locked, TimeSpan PreloadTime)
{
    internal static readonly WeightMemoryState NotMapped = new(0, false, false, false, false, TimeSpan.Zero);
}

/// <summary>How much of the tensor data is in RAM now, and how much of the mapping holding it uses huge pages.</summary>
/// <param name="TensorBytes">Bytes of tensor data.</param>
/// <param name="ResidentBytes">Bytes of its pages that are resident.</param>
/// <param name="HugePageBytes">Bytes the process maps with huge pages in the mapping holding it (Linux; 0 elsewhere).</param>
public readonly record struct WeightResidency(long TensorBytes, long ResidentBytes, long HugePageBytes);
