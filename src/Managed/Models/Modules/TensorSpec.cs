using NativeInfer.Gguf;

namespace NativeInfer.Models.Modules;

/// <summary>
/// A weight tensor a module needs: its role within the module ("weight", "bias", "gate_exps"...), the
/// GGUF tensor name and the expected dimensions in ggml order (ne[0] = values per row). Alternatives
/// are other GGUF layouts of the same weights (e.g. kv_b stored split as k_b + v_b): each alternative
/// is a complete set of tensors that replaces this one.
/// </summary>
public sealed record TensorSpec(string Role, string GgufName, long[] Ne, bool Optional = false)
{
    /// <summary>Complete alternative layouts; the loader takes the first whose tensors are all present.</summary>
    public IReadOnlyList<IReadOnlyList<TensorSpec>> Alternatives { get; init; } = [];

    /// <summary>Types this tensor may have; empty = any type the kernels accept.</summary>
    public IReadOnlyList<GgmlType> AllowedTypes { get; init; } = [];

    public long ElementCount => Ne.Aggregate(1L, (a, b) => a * b);

    public string ShapeText => "[" + string.Join(", ", Ne) + "]";

    public override string ToString() => $"{GgufName} {ShapeText}";
}
