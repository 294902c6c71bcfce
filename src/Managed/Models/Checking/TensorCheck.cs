namespace NativeInfer.Models.Checking;

/// <summary>One expected tensor and what the file has for it.</summary>
public sealed record TensorCheck(ExpectedTensor Expected, PresentTensor? Actual, TensorStatus Status, string? Detail)
{
    public bool IsProblem => Status is TensorStatus.Missing or TensorStatus.WrongShape or TensorStatus.WrongType;

    /// <summary>One line: "blk.0.attn_q.weight: missing (expected [64, 192])".</summary>
    public string Describe() => Status switch
    {
        TensorStatus.Missing => $"{Expected.Name}: missing (expected {Expected.ShapeText}{(Detail is null ? "" : ", " + Detail)})",
        TensorStatus.WrongShape => $"{Expected.Name}: shape {Actual!.ShapeText}, expected {Expected.ShapeText}",
        TensorStatus.WrongType => $"{Expected.Name}: type {Actual!.TypeName} {Detail}",
        TensorStatus.OptionalAbsent => $"{Expected.Name}: absent (optional)",
        _ => $"{Expected.Name}: {Actual!.TypeName} {Actual.ShapeText}",
    };
}
