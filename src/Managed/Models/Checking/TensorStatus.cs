namespace NativeInfer.Models.Checking;

public enum TensorStatus
{
    Ok,
    Missing,
    WrongShape,

    /// <summary>A type no kernel accepts (or not one the spec allows).</summary>
    WrongType,

    /// <summary>An optional tensor the file does not have.</summary>
    OptionalAbsent,
}
