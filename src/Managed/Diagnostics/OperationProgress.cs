namespace NativeInfer.Diagnostics;

/// <summary>
/// Progress of a long operation (writing or quantizing a model, loading one), reported through
/// <see cref="IProgress{T}"/> so a command line can draw it and a library caller can ignore it.
/// </summary>
/// <param name="Stage">What is being done ("write", "quantize", "load").</param>
/// <param name="Done">Units finished so far.</param>
/// <param name="Total">Units in all; 0 or less when unknown.</param>
/// <param name="Unit">What <paramref name="Done"/> and <paramref name="Total"/> count.</param>
/// <param name="Detail">The item at hand ("blk.3.ffn_up_exps.weight"), or null.</param>
public readonly record struct OperationProgress(string Stage, long Done, long Total, ProgressUnit Unit = ProgressUnit.Bytes, string? Detail = null)
{
    /// <summary>Done / Total in [0, 1], or null when the total is unknown.</summary>
    public double? Fraction => Total > 0 ? Math.Clamp((double)Done / Total, 0, 1) : null;
}
