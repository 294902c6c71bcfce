namespace NativeInfer.Diagnostics;

/// <summary>What an <see cref="OperationProgress"/> counts.</summary>
public enum ProgressUnit
{
    /// <summary>Bytes read or written (shown as MB and MB/s).</summary>
    Bytes,

    /// <summary>Whole items: tensors, layers, tokens (shown as counts and items/s).</summary>
    Items,
}
