using System.Globalization;

namespace NativeInfer.Config.Builders;

/// <summary>
/// What a model file actually holds, summarised for <see cref="ConfigFileBounds"/>: how many tensors, their
/// largest dimension, and the layer indices their names carry (<c>blk.N.</c> in GGUF, <c>layers.N.</c> in
/// Hugging Face checkpoints). Counts in the metadata are checked against these before anything is sized
/// from them.
/// </summary>
/// <param name="TensorCount">Tensors in the file (0 for a vocabulary-only GGUF).</param>
/// <param name="LargestDimension">The largest ne[i] of any tensor (0 without tensors).</param>
/// <param name="LayerCount">Distinct layer indices in the tensor names (0 when no name follows either convention).</param>
/// <param name="LastLayer">The largest of them (-1 when none).</param>
/// <param name="LargestIndex">The largest number that is a whole dot-separated part of any name (layer or expert index; -1 when none).</param>
public sealed record SourceContents(int TensorCount, long LargestDimension, int LayerCount, int LastLayer, long LargestIndex)
{
    /// <summary>Summarises tensors given by name and ggml dimensions.</summary>
    public static SourceContents FromTensors(IEnumerable<(string Name, IReadOnlyList<long> Ne)> tensors)
    {
        int count = 0, lastLayer = -1;
        long largestDimension = 0, largestIndex = -1;
        var layers = new HashSet<int>();
        foreach ((string name, IReadOnlyList<long> ne) in tensors)
        {
            count++;
            foreach (long d in ne) largestDimension = Math.Max(largestDimension, d);
            string previous = "";
            foreach (string part in name.Split('.'))
            {
                if (part.Length > 0 && part.Length <= 18 && part.All(char.IsAsciiDigit))
                {
                    long index = long.Parse(part, CultureInfo.InvariantCulture);
                    largestIndex = Math.Max(largestIndex, index);
                    if (previous is "blk" or "layers" && index <= int.MaxValue)
                    {
                        layers.Add((int)index);
                        lastLayer = Math.Max(lastLayer, (int)index);
                    }
                }
                previous = part;
            }
        }
        return new SourceContents(count, largestDimension, layers.Count, lastLayer, largestIndex);
    }
}
