using NativeInfer.Gguf;

namespace NativeInfer.Models.Checking;

/// <summary>
/// A tensor the module tree asks for, under the name the checked format uses: the GGUF name, or for a
/// Hugging Face checkpoint the module path + role (<c>model.layers.3.self_attn.q_proj.weight</c>; routed
/// experts one tensor per expert). <see cref="Ne"/> is in ggml order (ne[0] = values per row).
/// </summary>
public sealed record ExpectedTensor(
    string Name, string ModulePath, string ModuleClass, string Role, long[] Ne, WeightCategory Category, bool Optional)
{
    /// <summary>Types this tensor may have (from the spec); empty = the kernel set for its rank.</summary>
    public IReadOnlyList<GgmlType> AllowedTypes { get; init; } = [];

    /// <summary>For a routed-expert tensor of a checkpoint stored per expert: E (the tensor is one of E); else 1.</summary>
    public int ExpertSlices { get; init; } = 1;

    public string ShapeText => "[" + string.Join(", ", Ne) + "]";
}
