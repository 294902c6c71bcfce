using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>What <see cref="SyntheticModelWriter"/> wrote.</summary>
/// <param name="Path">The file (full path).</param>
/// <param name="FileBytes">Its size.</param>
/// <param name="Tensors">Every tensor, in file order.</param>
/// <param name="Elapsed">Time to build and write it.</param>
public sealed record SyntheticModelSummary(string Path, long FileBytes, IReadOnlyList<SyntheticTensor> Tensors, TimeSpan Elapsed)
{
    /// <summary>Tensor data bytes per type, largest first.</summary>
    public IReadOnlyList<(GgmlType Type, int Count, long Bytes)> ByType =>
        Tensors.GroupBy(t => t.Type)
               .Select(g => (g.Key, g.Count(), g.Sum(t => t.Type.ByteSize(t.ElementCount))))
               .OrderByDescending(x => x.Item3).ToList();
}
