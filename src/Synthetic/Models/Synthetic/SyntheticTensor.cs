using NativeInfer.Gguf;

namespace NativeInfer.Models.Synthetic;

/// <summary>
/// One tensor of a synthetic model: GGUF name, role, layer (-1 outside the blocks), type and GGUF
/// shape: ne = [cols] for vectors, [cols, rows] for matrices, [cols, rows, experts] for stacked experts.
/// Values are laid out row after row, ne0 values per row, as in the file.
/// </summary>
public sealed record SyntheticTensor(string Name, SyntheticTensorRole Role, int Layer, GgmlType Type, long[] Ne)
{
    /// <summary>Values per row (ne0).</summary>
    public long Cols => Ne[0];

    /// <summary>Rows of one matrix (ne1; 1 for a vector).</summary>
    public long Rows => Ne.Length > 1 ? Ne[1] : 1;

    /// <summary>Matrices stacked (ne2; the expert count of *_exps tensors).</summary>
    public long Depth => Ne.Length > 2 ? Ne[2] : 1;

    public long ElementCount => Cols * Rows * Depth;

    public override string ToString() => $"{Name} {Type.Name()} [{string.Join(", ", Ne)}]";
}
