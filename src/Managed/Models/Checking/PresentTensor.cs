namespace NativeInfer.Models.Checking;

/// <summary>A tensor the file holds: its type name (F32, Q4_K, BF16...), ggml-order dims, size.</summary>
public sealed record PresentTensor(string Name, string TypeName, long[] Ne, long Elements, long Bytes)
{
    public string ShapeText => "[" + string.Join(", ", Ne) + "]";

    /// <summary>Bytes of one row (ne[0] values), the unit an embedding lookup reads.</summary>
    public long RowBytes => Ne.Length == 0 || Elements == 0 ? Bytes : Bytes / (Elements / Ne[0]);
}
